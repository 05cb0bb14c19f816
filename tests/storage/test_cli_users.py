"""`ketachart users …` end to end on SQLite and PostgreSQL: an administrator adds a nurse with
a temporary password printed once; the nurse must change it (`users passwd`) before any other
command; roles change, accounts are disabled (never deleted), enabled, unlocked and given a new
temporary password; every change is audited under the administrator, with no password in it."""

from __future__ import annotations

import getpass
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from ketachart.app import main
from ketachart.cli.user_commands import CERTIFIED_VERBS
from ketachart.models import AuditEntry, Certificate, User, UserKey
from ketachart.services import keys
from ketachart.services.key_checks import verify_accounts
from ketachart.services.sign_in import MAX_FAILED_LOGINS, REFUSED_MESSAGE
from ketachart.storage.database import open_database
from tests.cli_support import as_user, clinic_passphrase
from tests.support import Clinic

NEW_PASSWORD = "quiet-harbour-lamp-7"


@pytest.fixture(autouse=True)
def user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log and the user data folder in the test's own folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))


class Cli:
    """`ketachart --db URL …` in-process, signed in as a user of the clinic."""

    def __init__(
        self, url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.url, self.capsys, self.monkeypatch = url, capsys, monkeypatch

    def run(self, user: str, *argv: str, password: str | None = None) -> tuple[int, str, str]:
        """(exit status, stdout, stderr) of the command run as `user`."""
        sign_in = as_user(self.monkeypatch, user, password)
        code = main(["--db", self.url, *sign_in, *argv])
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out, captured.err

    def users(self, *argv: str) -> str:
        """`users …` as the administrator; it must succeed. A change the clinic key certifies
        is given its passphrase."""
        code, out, err = self.run("admin", "users", *argv, *self.certifying(argv[0]))
        assert code == 0, err
        return out

    def certifying(self, verb: str, passphrase: str | None = None) -> list[str]:
        """The clinic key passphrase flag for a verb that certifies (none for the others)."""
        if verb not in CERTIFIED_VERBS:
            return []
        return clinic_passphrase(self.monkeypatch, passphrase)


@pytest.fixture
def cli(
    clinic: Clinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    return Cli(database_url, capsys, monkeypatch)


def temporary_password(out: str) -> str:
    """The temporary password the command printed (once)."""
    found = re.search(r"Temporary password \(shown once; they must change it\): (\S+)", out)
    assert found is not None
    assert out.count(found.group(1)) == 1
    return found.group(1)


def listed(cli: Cli, username: str) -> str:
    """The `users list` line of one account."""
    (line,) = [line for line in cli.users("list").splitlines() if line.startswith(username + " ")]
    return line


def test_add_then_the_nurse_changes_the_temporary_password(cli: Cli) -> None:
    out = cli.users("add", "olu", "--name", "Olu Bello", "--credentials", "RN", "--role", "nurse")
    assert "Added olu (nurse): Olu Bello, RN." in out
    temporary = temporary_password(out)
    assert "must change password" in listed(cli, "olu")
    assert "never" in listed(cli, "olu")

    code, _, err = cli.run("olu", "sessions", password=temporary)
    assert code == 1
    assert "change it first with `ketachart users passwd --user olu`" in err

    cli.monkeypatch.setenv("KC_TEST_NEW", NEW_PASSWORD)
    code, out, err = cli.run(
        "olu", "users", "passwd", "--new-password-env", "KC_TEST_NEW", password=temporary
    )
    assert code == 0, err
    assert "Changed the password of olu." in out
    code, _, err = cli.run("olu", "sessions", password=NEW_PASSWORD)
    assert code == 0, err
    line = listed(cli, "olu")
    assert "must change password" not in line
    assert "never" not in line  # the last sign-in is shown
    assert temporary not in audit_text(cli.url)
    assert NEW_PASSWORD not in audit_text(cli.url)


def test_a_weak_new_password_is_refused_with_the_reason(cli: Cli) -> None:
    cli.monkeypatch.setenv("KC_TEST_NEW", "password1234")
    code, _, err = cli.run("nina", "users", "passwd", "--new-password-env", "KC_TEST_NEW")
    assert code == 1
    assert "common passwords" in err
    code, _, _ = cli.run("nina", "sessions")  # the old one still works
    assert code == 0


def test_set_role_disable_enable(cli: Cli) -> None:
    assert "wes is now physician (was nurse)." in cli.users("set-role", "wes", "physician")
    assert "physician" in listed(cli, "wes")
    assert "Disabled wes" in cli.users("disable", "wes")
    assert "disabled" in listed(cli, "wes")
    code, _, err = cli.run("wes", "sessions")
    assert code == 1
    assert REFUSED_MESSAGE in err  # the same refusal as a wrong password
    assert "Enabled wes again." in cli.users("enable", "wes")
    assert cli.run("wes", "sessions")[0] == 0
    assert admin_audits(cli.url) == [
        ("user.role_change", "admin"),
        ("user.deactivate", "admin"),
        ("user.activate", "admin"),
    ]


def test_locked_then_unlocked_and_reset(cli: Cli) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        assert cli.run("nina", "sessions", password="not-her-password")[0] == 1
    assert "locked" in listed(cli, "nina")
    assert cli.run("nina", "sessions")[0] == 1  # the right password, but locked
    assert "Unlocked nina." in cli.users("unlock", "nina")
    assert cli.run("nina", "sessions")[0] == 0

    out = cli.users("reset-password", "nina")
    assert "Reset the password of nina; the account is unlocked." in out
    temporary = temporary_password(out)
    assert cli.run("nina", "sessions")[0] == 1  # the old password is gone
    code, _, err = cli.run("nina", "sessions", password=temporary)
    assert code == 1
    assert "users passwd" in err


def test_the_clinic_keeps_an_administrator(cli: Cli) -> None:
    code, _, err = cli.run("admin", "users", "disable", "admin", *cli.certifying("disable"))
    assert code == 1
    assert err.startswith("ketachart: error: ")
    assert "administrator" in err
    code, _, err = cli.run(
        "admin", "users", "set-role", "admin", "nurse", *cli.certifying("set-role")
    )
    assert code == 1
    assert "administrator" in err
    assert " admin " in listed(cli, "admin")


def test_only_an_administrator_manages_accounts(cli: Cli) -> None:
    for user in ("nina", "drm"):
        add = ["users", "add", "x1", "--name", "X", "--role", "admin", *cli.certifying("add")]
        code, _, err = cli.run(user, *add)
        assert code == 1
        assert "may not manage user accounts" in err
    assert " x1 " not in cli.users("list")


def test_unknown_account_is_named(cli: Cli) -> None:
    code, _, err = cli.run("admin", "users", "disable", "zed", *cli.certifying("disable"))
    assert code == 1
    assert "'zed'" in err


def test_the_typed_temporary_password(cli: Cli) -> None:
    """--ask-password: the administrator types it twice (no echo); nothing is printed."""
    typed: list[str] = []

    def type_password(prompt: str = "") -> str:
        typed.append(prompt)
        return "copper-kettle-dawn"

    cli.monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    cli.monkeypatch.setattr(getpass, "getpass", type_password)
    out = cli.users("add", "ama", "--name", "Ama Owusu", "--role", "physician", "--ask-password")
    assert typed == ["Temporary password: ", "Repeat the password: "]
    assert "copper-kettle-dawn" not in out
    assert "must change the temporary password" in out
    code, _, err = cli.run("ama", "sessions", password="copper-kettle-dawn")
    assert code == 1
    assert "users passwd" in err


def test_the_list_escapes_stored_control_characters(cli: Cli, clinic: Clinic) -> None:
    """A name stored around ketachart cannot drive the terminal."""
    with clinic.db.transaction() as tx:
        tx.orm.execute(
            update(User).where(User.username == "wes").values(display_name="W\x1b[2J\u202eN")
        )
    line = listed(cli, "wes")
    assert "W\\x1b[2J\\u202eN" in line
    assert "\x1b" not in line


def audit_text(url: str) -> str:
    db = open_database(url)
    try:
        with db.reading() as tx:
            rows = tx.orm.scalars(select(AuditEntry))
            return " ".join(f"{r.username} {r.action} {r.target_id} {r.detail}" for r in rows)
    finally:
        db.dispose()


def admin_audits(url: str) -> list[tuple[str, str]]:
    db = open_database(url)
    try:
        with db.reading() as tx:
            query = select(AuditEntry.action, AuditEntry.username).order_by(AuditEntry.seq)
            rows = tx.orm.execute(query.where(AuditEntry.action.like("user.%")))
            return [(a, u) for a, u in rows if a != "user.create"]
    finally:
        db.dispose()


# --- the clinic key certifies every account change ---------------------------------------------

CERTIFIED = {
    "add": (("add", "olu", "--name", "Olu Bello", "--role", "nurse"), "olu"),
    "reset-password": (("reset-password", "nina"), "nina"),
    "set-role": (("set-role", "wes", "physician"), "wes"),
    "disable": (("disable", "wes"), "wes"),
    "enable": (("enable", "wes"), "wes"),
}


def accounts_and_keys(clinic: Clinic) -> dict[str, object]:
    """What an account change alters: the accounts (not their sign-in times, which the
    administrator's own sign-in moves), their keys and certificates, the clinic key."""
    with clinic.db.reading() as tx:
        accounts = tx.orm.execute(
            select(User.username, User.role, User.active, User.password_hash).order_by(User.id)
        ).all()
        return {
            "accounts": accounts,
            "user keys": tx.orm.scalars(select(UserKey.public_key).order_by(UserKey.id)).all(),
            "certificates": tx.orm.scalars(select(Certificate.hash).order_by(Certificate.id)).all(),
            "clinic key": keys.clinic_public_key(tx),
        }


def certificates_of(clinic: Clinic, username: str) -> list[Certificate]:
    with clinic.db.reading() as tx:
        user_id = tx.orm.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        found = keys.user_certificates(tx, user_id)
        tx.orm.expunge_all()
        return found


def prepared(cli: Cli, verb: str) -> None:
    """Enabling is of a disabled account: wes is disabled first (with the right passphrase)."""
    if verb == "enable":
        cli.users("disable", "wes")


@pytest.mark.parametrize("verb", CERTIFIED)
def test_the_right_clinic_passphrase_certifies_the_change(
    cli: Cli, clinic: Clinic, verb: str
) -> None:
    prepared(cli, verb)
    argv, username = CERTIFIED[verb]
    before = len(certificates_of(clinic, username)) if verb != "add" else 0
    cli.users(*argv)
    certificates = certificates_of(clinic, username)
    assert len(certificates) == before + 1
    newest = certificates[-1]
    with clinic.db.reading() as tx:
        user = tx.orm.scalars(select(User).where(User.username == username)).one()
        assert (newest.role, newest.active) == (user.role, user.active)
        assert newest.public_key == keys.certified_key(tx, user.id)
        assert verify_accounts(tx) == []


@pytest.mark.parametrize("verb", CERTIFIED)
def test_a_wrong_clinic_passphrase_changes_nothing(cli: Cli, clinic: Clinic, verb: str) -> None:
    prepared(cli, verb)
    argv, _username = CERTIFIED[verb]
    before = accounts_and_keys(clinic)
    wrong = cli.certifying(verb, "not-the-clinic-passphrase")
    code, out, err = cli.run("admin", "users", *argv, *wrong)
    assert code == 1
    assert "The clinic key passphrase is not right" in err
    assert "Temporary password" not in out
    assert accounts_and_keys(clinic) == before
