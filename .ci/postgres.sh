# Sourced by .ci/run: start a throwaway PostgreSQL cluster on 127.0.0.1 and a free port,
# export KETACHART_TEST_POSTGRES_URL, and stop/remove it when the calling shell exits.
# Works as root (initdb and pg_ctl run as the postgres user).

pg_bin() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "ci: installing PostgreSQL" >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq postgresql >/dev/null
    fi
    dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_postgres() {
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_BIN="$(pg_bin)"
PG_ROOT="$(mktemp -d)"
PG_DATA="$PG_ROOT/data"
PG_PORT="$(free_port)"
mkdir -p "$PG_DATA"
if [ "$(id -u)" = "0" ]; then chown -R postgres:postgres "$PG_ROOT"; fi

stop_postgres() {
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_ROOT"
}
trap stop_postgres EXIT

as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$PG_ROOT/initdb.log" 2>&1 || { cat "$PG_ROOT/initdb.log"; exit 1; }
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_ROOT/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_ROOT -c fsync=on -c synchronous_commit=on -c max_connections=200" \
    start >/dev/null || { cat "$PG_ROOT/server.log"; exit 1; }

export KETACHART_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
echo "ci: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
