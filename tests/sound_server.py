"""A throwaway PulseAudio server with a null sink, so the alarm's sound really plays in tests.

A test machine has no sound card; a clinic workstation has one. With this server, Qt
Multimedia finds an output device ("Null Output"), loads the WAV and plays it, as it would at
the bedside. The server runs from a temporary folder (its socket, state and cookie stay
there), accepts only this process's tests through that socket, and is stopped at the end.
`make test` installs Debian's pulseaudio (scripts/install-system-packages test).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 10.0


@contextmanager
def null_sound_server(folder: Path) -> Iterator[str | None]:
    """Yields the PULSE_SERVER address of a running server, or None where pulseaudio is not
    installed (the alarm then beeps; tests needing real playback skip)."""
    program = shutil.which("pulseaudio")
    if program is None:
        yield None
        return
    socket = folder / "native"
    env = {"HOME": str(folder), "XDG_RUNTIME_DIR": str(folder), "PATH": "/usr/bin:/bin"}
    command = [
        program,
        "-n",
        "--daemonize=no",
        "--exit-idle-time=-1",
        "--use-pid-file=no",
        "--log-target=stderr",
        "--log-level=error",
        "-F",
        "/dev/null",
        f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
        "--load=module-null-sink",
    ]
    server = subprocess.Popen(
        command, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not socket.exists() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"unix:{socket}" if socket.exists() else None
    finally:
        server.terminate()
        server.wait(timeout=10)
