"""The demo data: charted through the services, in every state, intact, repeatable."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.demo import DemoResult, fill_demo
from ketachart.demo.data import CLINIC_PASSPHRASE, STAFF
from ketachart.domain import payloads as p
from ketachart.domain.allergies import AllergyStatus, allergy_text
from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import Role, ScoreKind
from ketachart.errors import KetachartError
from ketachart.models import InfusionSession
from ketachart.services import keys, patients, sessions, users
from ketachart.services.actors import Actor
from ketachart.services.sessions import LoadedSession
from ketachart.services.sign_in import change_own_password, sign_in
from ketachart.services.users import new_password
from ketachart.services.verify import verify_all
from ketachart.storage.database import Database, open_database

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Demo:
    db: Database
    result: DemoResult
    charts: list[LoadedSession]

    def events(self) -> Iterator[EventRecord]:
        for chart in self.charts:
            yield from chart.events


def charts(db: Database) -> list[LoadedSession]:
    with db.reading() as tx:
        ids = tx.orm.scalars(select(InfusionSession.id).order_by(InfusionSession.created_at))
        return [sessions.load_session(tx, i) for i in ids.all()]


def statuses(db: Database) -> Counter[SessionStatus]:
    return Counter(chart.state().status for chart in charts(db))


def problems(db: Database) -> list[str]:
    with db.reading() as tx:
        return [str(problem) for problem in verify_all(tx)]


def demo_database(url: str, *, patients_: int, sessions_: int, seed: int) -> Demo:
    db = open_database(url, ManualClock(NOW))
    result = fill_demo(db, patients=patients_, sessions=sessions_, seed=seed)
    return Demo(db, result, charts(db))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo")
    made = demo_database(f"sqlite:///{folder}/demo.sqlite", patients_=12, sessions_=40, seed=7)
    yield made
    made.db.dispose()


@pytest.mark.slow
def test_demo_200_sessions_then_verify(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--db", database_url, "demo", "--sessions", "200", "--patients", "40"]) == 0
    out = capsys.readouterr().out
    assert "Demo data: 40 patients, 200 sessions," in out
    assert "nina" in out
    assert "physician" in out
    assert f"Demo clinic key passphrase (synthetic): {CLINIC_PASSPHRASE}" in out

    admin = next(spec for spec in STAFF if spec.role is Role.ADMIN)
    monkeypatch.setenv("KC_TEST_DEMO_ADMIN_PASSWORD", admin.password)
    admin_flags = ["--user", admin.username, "--password-env", "KC_TEST_DEMO_ADMIN_PASSWORD"]
    assert main(["--db", database_url, "verify", *admin_flags]) == 0
    assert "database intact" in capsys.readouterr().out

    db = open_database(database_url)
    try:
        with db.transaction() as tx:
            rows = sessions.list_sessions(tx, None)
        assert len(rows) == 200
        assert {row.status for row in rows} == set(SessionStatus)
    finally:
        db.dispose()


def test_every_state_is_shown(demo: Demo) -> None:
    found = Counter(chart.state().status for chart in demo.charts)
    assert set(found) == set(SessionStatus)
    assert demo.result.sessions == len(demo.charts) == 40
    assert demo.result.patients == 12
    assert demo.result.events == sum(len(chart.events) for chart in demo.charts)


def test_discharged_attested_signed_and_addenda(demo: Demo) -> None:
    discharged = [c for c in demo.charts if c.state().status is SessionStatus.DISCHARGED]
    assert any(not kinds_of(c) & {EventKind.ATTESTATION} for c in discharged)
    assert any(EventKind.ATTESTATION in kinds_of(c) for c in discharged)
    signed_addenda = [
        c
        for c in demo.charts
        if any(isinstance(e.payload, p.Signature) and e.payload.addendum_id for e in c.events)
    ]
    assert signed_addenda
    for chart in signed_addenda:
        assert chart.state().status is SessionStatus.SIGNED
        assert EventKind.ADDENDUM in kinds_of(chart)


def kinds_of(chart: LoadedSession) -> set[EventKind]:
    return {e.kind for e in chart.events}


def test_the_chart_has_every_kind_of_entry(demo: Demo) -> None:
    found = {e.kind for e in demo.events()}
    assert found == set(EventKind)


def test_running_sessions_are_today_and_finished_ones_before(demo: Demo) -> None:
    today = NOW.astimezone().date()
    running = {
        SessionStatus.SCHEDULED,
        SessionStatus.PRE_CHECKS,
        SessionStatus.INFUSING,
        SessionStatus.PAUSED,
        SessionStatus.RECOVERY,
    }
    for chart in demo.charts:
        opened = chart.state().opened_at.astimezone().date()
        assert (opened == today) == (chart.state().status in running)
    assert max(e.recorded_at for e in demo.events()) <= NOW
    assert max(e.recorded_at for e in demo.events()) > NOW - timedelta(minutes=30)


def test_times_are_plausible_with_some_late_entries(demo: Demo) -> None:
    events = list(demo.events())
    assert all(e.occurred_at <= e.recorded_at for e in events)
    late = [e for e in events if e.is_late]
    assert late
    assert {e.kind for e in late} <= {EventKind.VITALS}
    for chart in demo.charts:
        recorded = [e.recorded_at for e in chart.events]
        assert recorded == sorted(recorded)


def test_witness_is_another_clinician(demo: Demo) -> None:
    records = [e for e in demo.events() if isinstance(e.payload, p.ControlledSubstance)]
    assert records
    for record in records:
        assert isinstance(record.payload, p.ControlledSubstance)
        assert record.payload.witness_user_id != record.recorded_by
        assert record.payload.witness_name.endswith(", RN")
        assert record.payload.drawn_mg == record.payload.administered_mg + record.payload.wasted_mg


def test_rescue_medicine_treats_a_charted_side_effect(demo: Demo) -> None:
    for chart in demo.charts:
        effects = {e.id for e in chart.events if e.kind is EventKind.SIDE_EFFECT}
        for event in chart.events:
            if isinstance(event.payload, p.RescueMedicine):
                assert event.payload.side_effect_id in effects


def test_every_protocol_with_its_own_score(demo: Demo) -> None:
    used = {chart.protocol.code for chart in demo.charts}
    assert used == {"EXAMPLE-TRD-40", "EXAMPLE-PTSD-40", "EXAMPLE-PAIN-4H"}
    for chart in demo.charts:
        for event in chart.events:
            if isinstance(event.payload, p.RecoveryCheck):
                assert event.payload.score_kind is chart.protocol.discharge_score
    assert any(
        isinstance(e.payload, p.RecoveryCheck) and e.payload.score_kind is ScoreKind.PADSS
        for e in demo.events()
    )


def test_patients_have_non_ascii_names_and_every_allergy_state(demo: Demo) -> None:
    with demo.db.reading() as tx:
        rows = [patients.get_patient(tx, i) for i in {c.row.patient_id for c in demo.charts}]
    assert len(rows) == 12
    assert any(not (row.family_name + row.given_name).isascii() for row in rows)
    states = {allergy_text(r.allergies, r.no_known_allergies_at).status for r in rows}
    assert states == set(AllergyStatus)
    assert all(row.mrn.startswith("KC-") for row in rows)


def test_demo_database_verifies(demo: Demo) -> None:
    assert problems(demo.db) == []


def test_accounts_sign_in_with_the_printed_passwords(demo: Demo) -> None:
    roles = Counter(a.role for a in demo.result.accounts)
    assert roles == {"admin": 1, "nurse": 3, "physician": 2}
    account = next(a for a in demo.result.accounts if a.role == "physician")
    assert len(account.password) >= 8
    actor = sign_in(demo.db, account.username, account.password).actor
    assert actor.role is Role.PHYSICIAN
    assert actor.signer is not None  # the password opens the account's certified key


def test_the_printed_clinic_passphrase_opens_the_clinic_key(demo: Demo) -> None:
    """A tester types it on the staff screen to add or change an account."""
    assert demo.result.clinic_passphrase == CLINIC_PASSPHRASE
    opened = keys.unlock_clinic_key(demo.db, demo.result.clinic_passphrase)
    with demo.db.reading() as tx:
        assert opened.public_key == keys.clinic_public_key(tx)


def test_demo_refuses_a_clinic_key_that_is_not_the_demos(sqlite_url: str) -> None:
    """A database whose clinic key the demo passphrase does not open is not a demo one."""
    db = open_database(sqlite_url, ManualClock(NOW))
    try:
        other = keys.new_clinic_key("someone-elses-passphrase-9")
        with db.transaction() as tx:
            keys.store_clinic_key(tx, other)
        with pytest.raises(KetachartError, match="clinic key is not the demo's"):
            fill_demo(db, patients=1, sessions=1, seed=3)
        with db.reading() as tx:
            assert users.list_actors(tx) == []
    finally:
        db.dispose()


def test_same_seed_same_demo(tmp_path_factory: pytest.TempPathFactory) -> None:
    def shape(folder: str) -> list[tuple[str, str, datetime, list[str]]]:
        url = f"sqlite:///{tmp_path_factory.mktemp(folder)}/demo.sqlite"
        made = demo_database(url, patients_=3, sessions_=6, seed=11)
        made.db.dispose()
        return [
            (c.state().status.value, c.row.chair, c.state().opened_at, [e.kind for e in c.events])
            for c in made.charts
        ]

    assert shape("first") == shape("second")


def test_second_run_adds_to_the_first(sqlite_url: str) -> None:
    db = open_database(sqlite_url, ManualClock(NOW))
    try:
        fill_demo(db, patients=3, sessions=5, seed=1)
        fill_demo(db, patients=2, sessions=4, seed=1)
        with db.reading() as tx:
            accounts = users.list_actors(tx)
            mrns = sorted(
                row.mrn for row in patients.find_patients(tx, accounts_nurse(accounts), "")
            )
        assert len(accounts) == 6
        assert mrns == [f"KC-{n:06d}" for n in range(1, 6)]
        assert sum(statuses(db).values()) == 9
        assert problems(db) == []
    finally:
        db.dispose()


def test_a_second_run_signs_its_accounts_in(sqlite_url: str) -> None:
    """The accounts a first run made are signed in with their demo passwords (their keys
    opened, to sign); one whose password was changed stops the run before it adds anything."""
    db = open_database(sqlite_url, ManualClock(NOW))
    try:
        fill_demo(db, patients=1, sessions=1, seed=2)
        nurse = next(spec for spec in STAFF if spec.role is Role.NURSE)
        actor = sign_in(db, nurse.username, nurse.password).actor
        change_own_password(db, actor, nurse.password, "heron-violet-lamp-91")
        with pytest.raises(KetachartError, match="does not sign in with its demo password"):
            fill_demo(db, patients=1, sessions=1, seed=3)
        assert sum(statuses(db).values()) == 1
    finally:
        db.dispose()


def accounts_nurse(accounts: list[Actor]) -> Actor:
    return next(a for a in accounts if a.role is Role.NURSE)


def test_demo_refuses_a_clinic_with_its_own_admin(sqlite_url: str) -> None:
    """Synthetic patients and accounts whose passwords are printed never go into a real
    clinic: one account that is not the demo's is enough to refuse, and nothing is added."""
    db = open_database(sqlite_url, ManualClock(NOW))
    try:
        clinic_key = keys.new_clinic_key("boss-clinic-passphrase-71")
        password = new_password("quiet-orchard-71")
        with db.transaction() as tx:
            users.create_user(
                tx,
                None,
                "boss",
                "Ådne Boss",
                "",
                Role.ADMIN,
                password,
                clinic_key=keys.store_clinic_key(tx, clinic_key),
            )
        with pytest.raises(KetachartError, match="demo data only goes into a demo database"):
            fill_demo(db, patients=2, sessions=4, seed=3)
        with db.reading() as tx:
            assert [a.username for a in users.list_actors(tx)] == ["boss"]
            assert tx.orm.scalars(select(InfusionSession.id)).all() == []
    finally:
        db.dispose()


def test_demo_refuses_a_database_with_other_patients(sqlite_url: str) -> None:
    """A patient whose MRN is not of the demo's form is a real one, even among demo accounts."""
    db = open_database(sqlite_url, ManualClock(NOW))
    try:
        fill_demo(db, patients=1, sessions=0, seed=3)
        with db.transaction() as tx:
            nurse = accounts_nurse(users.list_actors(tx))
            details = patients.PatientDetails("MRN-77", "Real", "Person", NOW.date(), "female")
            patients.register_patient(tx, nurse, details)
        with pytest.raises(KetachartError, match=r"1 patient\(s\) that are not the demo's"):
            fill_demo(db, patients=1, sessions=0, seed=4)
    finally:
        db.dispose()


def test_no_patient_data_in_the_log(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    db = open_database(sqlite_url, ManualClock(NOW))
    try:
        fill_demo(db, patients=3, sessions=6, seed=5)
        with db.reading() as tx:
            nurse = accounts_nurse(users.list_actors(tx))
            rows = patients.find_patients(tx, nurse, "")
    finally:
        db.dispose()
    assert caplog.records
    for row in rows:
        for secret in (row.family_name, row.given_name, row.mrn, row.date_of_birth.isoformat()):
            assert secret not in caplog.text


def test_no_patients_no_sessions(sqlite_url: str) -> None:
    db = open_database(sqlite_url, ManualClock(NOW))
    try:
        result = fill_demo(db, patients=0, sessions=5, seed=5)
    finally:
        db.dispose()
    assert (result.patients, result.sessions, result.events) == (0, 0, 0)
    assert len(result.accounts) == 6
