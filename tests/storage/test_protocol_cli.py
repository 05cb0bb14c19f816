"""Protocols are clinic-editable: export, edit, import as the next version (admin only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ketachart.app import main
from ketachart.models import AuditEntry
from ketachart.services import protocols
from ketachart.services.sign_in import REFUSED_MESSAGE
from ketachart.storage.database import open_database
from tests.cli_support import clinic_passphrase

ENV = "KC_TEST_ADMIN_PASSWORD"
BOSS = ["--user", "boss", "--password-env", ENV]
TRD = "EXAMPLE-TRD-40"


@pytest.fixture
def initialised(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ENV, "lantern-orbit-99")
    passphrase = clinic_passphrase(monkeypatch)
    assert (
        main(
            [
                "--db",
                database_url,
                "init",
                "--admin-username",
                "boss",
                "--admin-name",
                "Bö Ss",
                "--admin-password-env",
                ENV,
                *passphrase,
            ]
        )
        == 0
    )
    return database_url


def test_export_edit_import_makes_the_next_version(
    initialised: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "trd.json"
    assert main([*BOSS, "--db", initialised, "protocols", "export", TRD, "-o", str(file)]) == 0
    data = json.loads(file.read_text(encoding="utf-8"))
    data.update(
        name="Depression 0.5 mg/kg over 40 min (Lakeside)", is_example=False, vitals_interval_min=15
    )
    file.write_text(json.dumps(data), encoding="utf-8")
    assert (
        main(
            [
                "--db",
                initialised,
                "protocols",
                "import",
                str(file),
                "--user",
                "boss",
                "--password-env",
                ENV,
            ]
        )
        == 0
    )
    assert "as version 2" in capsys.readouterr().out
    db = open_database(initialised)
    with db.reading() as tx:
        current = {r.spec.code: r.spec for r in protocols.current_protocols(tx)}
    db.dispose()
    assert current["EXAMPLE-TRD-40"].vitals_interval_min == 15
    assert current["EXAMPLE-TRD-40"].version == 2
    assert not current["EXAMPLE-TRD-40"].is_example


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"code": 1}', "is not a protocol as exported"),
        # 10 MB of valid JSON: refused by its size, before it is parsed
        (" " * 10_000_000 + '{"code": 1}', "too large for a protocol file (more than 1,000,000"),
    ],
    ids=["not json", "not a protocol", "10 MB"],
)
def test_a_bad_file_is_one_clear_line(
    initialised: str, tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content, encoding="utf-8")
    assert (
        main(
            [
                "--db",
                initialised,
                "protocols",
                "import",
                str(file),
                "--user",
                "boss",
                "--password-env",
                ENV,
            ]
        )
        == 1
    )
    assert message in capsys.readouterr().err


def test_implausible_values_and_wrong_password_are_refused(
    initialised: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "trd.json"
    main([*BOSS, "--db", initialised, "protocols", "export", TRD, "-o", str(file)])
    data = json.loads(file.read_text(encoding="utf-8"))
    file.write_text(json.dumps({**data, "max_total_mg_per_kg": "0.1"}), encoding="utf-8")
    assert (
        main(
            [
                "--db",
                initialised,
                "protocols",
                "import",
                str(file),
                "--user",
                "boss",
                "--password-env",
                ENV,
            ]
        )
        == 1
    )
    assert "The planned dose is above the protocol maximum." in capsys.readouterr().err
    file.write_text(json.dumps(data), encoding="utf-8")  # good values, wrong password
    monkeypatch.setenv(ENV, "wrong-password")
    assert (
        main(
            [
                "--db",
                initialised,
                "protocols",
                "import",
                str(file),
                "--user",
                "boss",
                "--password-env",
                ENV,
            ]
        )
        == 1
    )
    assert REFUSED_MESSAGE in capsys.readouterr().err
    # the refused import saved nothing (the admin's sign-ins are audited on their own), and
    # the wrong password was recorded
    actions = protocol_audits(initialised)
    assert "protocol.save" not in actions
    assert actions[-1] == "cli.protocols.failed"


def protocol_audits(url: str) -> list[str]:
    """The audit trail's actions on protocols and the command's sign-ins, oldest first."""
    db = open_database(url)
    try:
        with db.reading() as tx:
            query = select(AuditEntry.action).order_by(AuditEntry.seq)
            wanted = AuditEntry.action.like("protocol%") | AuditEntry.action.like("cli.protocols%")
            return list(tx.orm.scalars(query.where(wanted)))
    finally:
        db.dispose()


def test_an_unset_password_variable_is_refused_before_any_login(
    initialised: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a failed login against the admin (which would count toward locking the account):
    the command says the variable is empty or not set."""
    exported = tmp_path / "protocol.json"
    assert main([*BOSS, "--db", initialised, "protocols", "export", TRD, "-o", str(exported)]) == 0
    capsys.readouterr()
    unset = "KC_TEST_UNSET_PASSWORD"
    command = ["--db", initialised, "protocols", "import", str(exported), "--user", "boss"]
    assert main([*command, "--password-env", unset]) != 0
    assert f"Environment variable {unset} is empty or not set." in capsys.readouterr().err
