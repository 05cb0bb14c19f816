"""`ketachart keys …` end to end on SQLite and PostgreSQL, on a clinic upgraded from before
keys were kept: `keys show` says there is no clinic key and what to do; `keys init` makes
it (an administrator signs in and chooses its passphrase), records it on this workstation and
certifies the accounts that have a key; the others get one at their next sign-in and `keys
certify` certifies them, refusing a wrong passphrase; `verify` is then clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.services.keys import ClinicKeyRefused
from ketachart.services.sign_in import REFUSED_MESSAGE
from ketachart.storage.database import Database
from tests.cli_support import as_user
from tests.storage.upgraded_clinic import UpgradedClinic, make_upgraded_clinic
from tests.support import CLINIC_PASSPHRASE

PASSPHRASE_ENV = "KC_TEST_CLINIC_PASSPHRASE"


@pytest.fixture(autouse=True)
def user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log, the anchors and the clinic key record in the test's own folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))


class Cli:
    """`ketachart --db URL …` in-process, signed in as a user of the clinic."""

    def __init__(
        self,
        upgraded: UpgradedClinic,
        url: str,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.upgraded, self.url = upgraded, url
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def run(self, user: str, *argv: str, passphrase: str | None = None) -> tuple[int, str, str]:
        """(exit status, stdout, stderr) of the command run as `user`; `passphrase`: the
        clinic key passphrase the command is given (by environment variable)."""
        given: list[str] = []
        if passphrase is not None:
            self.monkeypatch.setenv(PASSPHRASE_ENV, passphrase)
            given = ["--clinic-passphrase-env", PASSPHRASE_ENV]
        code = main(["--db", self.url, *as_user(self.monkeypatch, user), *argv, *given])
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out, captured.err

    def keys(self, *argv: str, passphrase: str | None = None) -> str:
        """`keys …` as the administrator; it must succeed."""
        code, out, err = self.run("admin", "keys", *argv, passphrase=passphrase)
        assert code == 0, err
        return out


@pytest.fixture
def upgraded(db: Database, clock: ManualClock) -> UpgradedClinic:
    return make_upgraded_clinic(db, clock)


@pytest.fixture
def cli(
    upgraded: UpgradedClinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    return Cli(upgraded, database_url, capsys, monkeypatch)


def fingerprint_in(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith("Created the clinic key")]
    return line.removeprefix("Created the clinic key ").split(".")[0]


def test_show_on_an_upgraded_clinic_says_what_to_do(cli: Cli) -> None:
    code, out, _err = cli.run("admin", "keys", "show")
    assert code == 1
    assert "This clinic has no signing key yet" in out
    assert "'ketachart keys init'" in out


def test_init_certify_show_then_verify_is_clean(cli: Cli) -> None:
    out = cli.keys("init", passphrase=CLINIC_PASSPHRASE)
    fingerprint = fingerprint_in(out)
    assert fingerprint.startswith("SHA256 ")
    assert "Certified admin (admin): Ádám Admin." in out
    assert "No key yet for nina, wes, drm: each account gets one at its next sign-in" in out
    assert "'ketachart keys certify'" in out

    shown = cli.keys("show")
    assert f"Clinic key: {fingerprint}" in shown
    assert f": {fingerprint} (in " in shown  # as this workstation recorded it
    assert "They match." in shown

    for name in ("nina", "wes", "drm"):
        assert cli.upgraded.sign_in(name).signer is not None  # a key made at sign-in
    code, out, _err = cli.run("admin", "verify")
    assert code == 1
    assert out.count("sign-in made a key that is not certified yet") == 3

    out = cli.keys("certify", passphrase=CLINIC_PASSPHRASE)
    assert "Certified nina (nurse): Nina Øster." in out
    assert "Certified drm (physician): María Núñez." in out
    assert "No key yet" not in out
    assert "No account was waiting" in cli.keys("certify", passphrase=CLINIC_PASSPHRASE)

    code, out, err = cli.run("admin", "verify")
    assert code == 0, out + err
    assert "database intact" in out


def test_certify_with_a_wrong_passphrase_is_refused_and_certifies_nothing(cli: Cli) -> None:
    cli.keys("init", passphrase=CLINIC_PASSPHRASE)
    cli.upgraded.sign_in("nina")
    code, out, err = cli.run("admin", "keys", "certify", passphrase="not-the-passphrase-1")
    assert code != 0
    assert str(ClinicKeyRefused()) in err
    assert "Certified" not in out
    code, out, _err = cli.run("admin", "verify")
    assert "sign-in made a key that is not certified yet" in out


def test_init_twice_is_refused_before_any_passphrase(cli: Cli) -> None:
    fingerprint = fingerprint_in(cli.keys("init", passphrase=CLINIC_PASSPHRASE))
    code, _out, err = cli.run("admin", "keys", "init", passphrase="another-long-passphrase")
    assert code != 0
    assert f"already has a signing key ({fingerprint}); nothing was changed" in err
    assert f"Clinic key: {fingerprint}" in cli.keys("show")


def test_init_refuses_a_short_passphrase(cli: Cli) -> None:
    code, _out, err = cli.run("admin", "keys", "init", passphrase="short")
    assert code != 0
    assert "at least 12 characters" in err
    assert cli.run("admin", "keys", "show")[0] == 1  # still no key


def test_only_an_administrator_runs_keys_commands(cli: Cli) -> None:
    code, out, err = cli.run("nina", "keys", "init", passphrase=CLINIC_PASSPHRASE)
    assert code != 0
    assert "may not manage user accounts" in err
    assert "Created" not in out


def test_a_wrong_password_is_the_one_sign_in_refusal(cli: Cli) -> None:
    sign_in = as_user(cli.monkeypatch, "admin", "wrong-password-123")
    code = main(["--db", cli.url, *sign_in, "keys", "show"])
    captured = cli.capsys.readouterr()
    assert code != 0
    assert REFUSED_MESSAGE in captured.err
