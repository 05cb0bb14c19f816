"""Protocols and settings as appended, hash-chained versions: every write keeps the old value,
and verify finds a row, a version or a running session's protocol changed in SQL, and a
signature whose patient was swapped after signing. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, text

from ketachart.domain import payloads as p
from ketachart.domain.codec import format_instant
from ketachart.domain.events import GENESIS_HASH, EventKind, SessionHeader, chain_hash
from ketachart.domain.row_versions import RowVersionContent
from ketachart.models import APPEND_ONLY_TABLES, ChainHead, PatientVersion, RowVersion, Setting
from ketachart.services import clinic as clinic_settings
from ketachart.services import patients, protocols
from ketachart.services.anchors import check_anchors, keep_anchors
from ketachart.services.clinic_info import ClinicInfo
from ketachart.services.patient_history import content_of
from ketachart.services.sessions import append_to_session, load_session
from ketachart.services.signing import REVIEWED_AND_APPROVED, signed_content_hash, signed_message
from ketachart.services.verify import (
    ROW_CHANGED,
    ROW_MISSING,
    ROW_UNRECORDED,
    verify_all,
)
from ketachart.storage import dialect
from ketachart.storage.database import Database
from tests.postgres import privileged
from tests.storage.helpers import sign
from tests.support import Clinic, chart_to_discharged

NAME_CHAIN = "setting:clinic.name"
CHANGED_SINCE_OPENED = "was changed after the session was opened"


def _problems(db: Database) -> list[tuple[str, str]]:
    with db.reading() as tx:
        return [(pr.where, pr.message) for pr in verify_all(tx)]


@contextmanager
def _tampering(db: Database) -> Iterator[Connection]:
    """Someone with direct database access: the append-only triggers dropped first."""
    with privileged(db) as connection:
        for table in APPEND_ONLY_TABLES:
            for statement in dialect.drop_append_only_ddl(db.dialect_name, table):
                connection.exec_driver_sql(statement)
        yield connection


def _in_sql(db: Database, sql: str, **params: Any) -> None:
    with _tampering(db) as connection:
        connection.execute(text(sql), params)


def _versions(db: Database, chain: str) -> list[RowVersion]:
    with db.reading() as tx:
        rows = tx.orm.scalars(
            select(RowVersion).where(RowVersion.chain == chain).order_by(RowVersion.version)
        ).all()
        tx.orm.expunge_all()
        return list(rows)


def _contents(db: Database, chain: str) -> list[dict[str, Any]]:
    return [json.loads(v.content) for v in _versions(db, chain)]


def _renamed(clinic: Clinic) -> None:
    """The clinic named at setup, and renamed by the admin an hour later."""
    info = ClinicInfo("Calm Harbor Clinic", "1 Bay Rd")
    clinic.act(clinic_settings.set_clinic, None, info)
    clinic.later(60)
    renamed = ClinicInfo("Calm Harbor Ketamine Clinic", "1 Bay Rd")
    clinic.act(clinic_settings.set_clinic, clinic.admin, renamed)


def _new_protocol_version(clinic: Clinic) -> protocols.ProtocolRow:
    spec = clinic.protocols[1].spec
    edited = replace(spec, name=f"{spec.name} (2027)")
    return clinic.act(protocols.save_protocol, clinic.admin, edited)


# --- every write appends a version -----------------------------------------------------------


def test_a_renamed_clinic_keeps_its_old_name_in_its_chain(clinic: Clinic) -> None:
    _renamed(clinic)
    versions = _versions(clinic.db, NAME_CHAIN)
    assert [json.loads(v.content)["value"] for v in versions] == [
        "Calm Harbor Clinic",
        "Calm Harbor Ketamine Clinic",
    ]
    assert [v.recorded_by for v in versions] == [None, clinic.admin.id]
    assert versions[1].prev_hash == versions[0].hash
    assert _contents(clinic.db, "setting:clinic.address") == [
        {"key": "clinic.address", "value": "1 Bay Rd"}  # unchanged: nothing to keep
    ]
    with clinic.db.reading() as tx:
        setting = tx.orm.get(Setting, "clinic.name")
        head = tx.orm.get(ChainHead, NAME_CHAIN)
        assert setting is not None
        assert head is not None
        assert setting.value == "Calm Harbor Ketamine Clinic"
        assert (head.seq, head.hash) == (2, versions[1].hash)


def test_the_mrn_rule_keeps_its_old_pattern(clinic: Clinic) -> None:
    clinic.act(clinic_settings.set_mrn_rule, clinic.admin, r"MRN-\d{4}", "MRN- and 4 digits")
    clinic.act(clinic_settings.set_mrn_rule, clinic.admin, r"\d{6}", "6 digits")
    kept = [c["value"] for c in _contents(clinic.db, f"setting:{clinic_settings.MRN_PATTERN_KEY}")]
    assert kept == [r"MRN-\d{4}", r"\d{6}"]


def test_each_protocol_version_is_appended_to_its_codes_chain(clinic: Clinic) -> None:
    saved = _new_protocol_version(clinic)
    code = saved.spec.code
    contents = _contents(clinic.db, f"protocol:{code}")
    assert [(c["version"], c["name"], c["created_by"]) for c in contents] == [
        (1, clinic.protocols[1].spec.name, None),  # the shipped example
        (2, saved.spec.name, clinic.admin.id),
    ]
    assert all(c["active"] for c in contents)


def test_an_untouched_database_verifies_clean(clinic: Clinic) -> None:
    _renamed(clinic)
    _new_protocol_version(clinic)
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    sign(clinic, sid)
    assert _problems(clinic.db) == []


# --- verify finds rows and versions changed in SQL -------------------------------------------


def test_a_setting_changed_in_sql_is_found(clinic: Clinic) -> None:
    _renamed(clinic)
    _in_sql(clinic.db, "UPDATE settings SET value = 'Elsewhere' WHERE key = 'clinic.name'")
    assert _problems(clinic.db) == [("setting clinic.name", ROW_CHANGED)]


def test_a_setting_added_or_deleted_in_sql_is_found(clinic: Clinic) -> None:
    _renamed(clinic)
    _in_sql(clinic.db, "DELETE FROM settings WHERE key = 'clinic.address'")
    _in_sql(clinic.db, "INSERT INTO settings (key, value) VALUES ('clinic.phone', '555')")
    assert _problems(clinic.db) == [
        ("setting clinic.address", ROW_MISSING),
        ("setting clinic.phone", ROW_UNRECORDED),
    ]


def test_a_protocol_row_edited_in_sql_is_found(clinic: Clinic) -> None:
    spec = clinic.protocols[1].spec
    _in_sql(
        clinic.db,
        "UPDATE protocol_versions SET name = 'Edited' WHERE code = :code",
        code=spec.code,
    )
    assert _problems(clinic.db) == [(f"protocol {spec.code} v1", ROW_CHANGED)]


def test_a_version_edited_in_sql_is_found(clinic: Clinic) -> None:
    _renamed(clinic)
    first = _versions(clinic.db, NAME_CHAIN)[0]
    forged = first.content.replace("Calm Harbor Clinic", "Other Clinic")
    _in_sql(clinic.db, "UPDATE row_versions SET content = :c WHERE id = :id", c=forged, id=first.id)
    assert _problems(clinic.db) == [
        ("setting clinic.name", "entry 1 was changed after it was written")
    ]


def test_the_newest_version_deleted_in_sql_is_found(clinic: Clinic) -> None:
    _renamed(clinic)
    newest = _versions(clinic.db, NAME_CHAIN)[-1]
    _in_sql(clinic.db, "DELETE FROM row_versions WHERE id = :id", id=newest.id)
    assert _problems(clinic.db) == [
        (
            "setting clinic.name",
            "the chain ends at entry 1 but its head record says 2: newest entries were "
            "removed or the head was altered",
        ),
        ("setting clinic.name", "audited version 2 is missing"),
        ("setting clinic.name", ROW_CHANGED),
    ]


def test_a_chain_rewritten_consistently_still_disagrees_with_the_audit_trail(
    clinic: Clinic,
) -> None:
    """The rename rewritten to another name with its hash and head recomputed, and the row
    set to match: only the audit trail, which names each version's hash, still knows."""
    _renamed(clinic)
    newest = _versions(clinic.db, NAME_CHAIN)[-1]
    forged = replace(_content(newest), content=newest.content.replace("Ketamine", "Other"))
    digest = forged.compute_hash(newest.prev_hash)
    with _tampering(clinic.db) as connection:
        connection.execute(
            text("UPDATE row_versions SET content = :c, hash = :h WHERE id = :id"),
            {"c": forged.content, "h": digest, "id": newest.id},
        )
        connection.execute(
            text("UPDATE chain_heads SET hash = :h WHERE chain = :c"),
            {"h": digest, "c": NAME_CHAIN},
        )
        connection.execute(
            text("UPDATE settings SET value = :v WHERE key = 'clinic.name'"),
            {"v": json.loads(forged.content)["value"]},
        )
    audit_disagrees = "version 2 differs from the one audited"
    assert _problems(clinic.db) == [("setting clinic.name", audit_disagrees)]


def test_a_version_of_another_row_forged_into_a_chain_is_found(clinic: Clinic) -> None:
    """A version carrying the clinic's name appended to the address's chain, with its right
    hash and the head moved to it: it cannot stand for the name's row."""
    _renamed(clinic)
    address = _versions(clinic.db, "setting:clinic.address")[-1]
    name = json.loads(_versions(clinic.db, NAME_CHAIN)[-1].content)
    forged = replace(
        _content(address), version=2, content=json.dumps(name), recorded_by=clinic.admin.id
    )
    digest = forged.compute_hash(address.hash)
    with _tampering(clinic.db) as connection:
        forgery = insert(RowVersion).values(**vars(forged), prev_hash=address.hash, hash=digest)
        connection.execute(forgery)
        connection.execute(
            text("UPDATE chain_heads SET seq = 2, hash = :h WHERE chain = :c"),
            {"h": digest, "c": forged.chain},
        )
    assert _problems(clinic.db) == [
        ("setting clinic.address", "entry 2 is of another row: setting clinic.name"),
        ("setting clinic.address", "version 2 has no audit entry"),
    ]


def _content(row: RowVersion) -> RowVersionContent:
    return RowVersionContent(row.chain, row.version, row.content, row.recorded_at, row.recorded_by)


def test_a_whole_chain_deleted_in_sql_is_found(clinic: Clinic) -> None:
    code = clinic.protocols[1].spec.code
    _in_sql(clinic.db, "DELETE FROM row_versions WHERE chain = :c", c=f"protocol:{code}")
    assert _problems(clinic.db) == [
        (
            f"protocol {code}",
            "the chain ends at entry 0 but its head record says 1: newest entries were "
            "removed or the head was altered",
        ),
        (f"protocol {code} v1", ROW_UNRECORDED),
    ]


def test_a_running_sessions_protocol_edited_in_sql_is_found(clinic: Clinic) -> None:
    sid = clinic.open_session()
    spec = clinic.protocols[0].spec
    edited = json.loads(_spec_json(clinic, clinic.protocols[0].id))
    edited["max_total_mg_per_kg"] = "3.0"  # the maximum dose raised while it runs
    _in_sql(
        clinic.db,
        "UPDATE protocol_versions SET spec_json = :s WHERE id = :id",
        s=json.dumps(edited, sort_keys=True, separators=(",", ":")),
        id=clinic.protocols[0].id,
    )
    assert _problems(clinic.db) == [
        (f"protocol {spec.code} v1", ROW_CHANGED),
        (
            f"session {sid}",
            f"its protocol ({spec.code} v1) was changed after the session was opened",
        ),
    ]


def _spec_json(clinic: Clinic, protocol_id: int) -> str:
    with privileged(clinic.db) as connection:
        found = connection.execute(
            text("SELECT spec_json FROM protocol_versions WHERE id = :id"), {"id": protocol_id}
        )
        return str(found.scalar_one())


# --- a signature covers the patient as signed ------------------------------------------------


def test_patients_swapped_after_signing_break_the_signature(clinic: Clinic) -> None:
    """Two patients' MRNs and names swapped, rows and versions rewritten with their hashes:
    the signed session's patient version is no longer the one signed."""
    other = clinic.act(
        patients.register_patient,
        clinic.nurse,
        patients.PatientDetails("MRN-0002", "Okafor", "Ada", date(1975, 6, 7), "female"),
    )
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    sign(clinic, sid)
    _swap_identities(clinic, clinic.patient.id, other.id)
    found = _problems(clinic.db)
    assert (f"session {sid}", "signature at entry 11 no longer matches the content it signed") in (
        found
    )


def _swap_identities(clinic: Clinic, one: int, two: int) -> None:
    """Each patient's row and first (only) version take the other's MRN and names, the
    version's hash recomputed: as a careful tamperer with the project's hash functions would."""
    with clinic.db.reading() as tx:
        versions = tx.orm.scalars(select(PatientVersion).where(PatientVersion.version == 1))
        first = {v.patient_id: content_of(v) for v in versions}
    with _tampering(clinic.db) as connection:
        connection.execute(text("UPDATE patients SET mrn = 'swapping' WHERE id = :id"), {"id": one})
        for mine, theirs in ((two, one), (one, two)):
            other = first[theirs]
            forged = replace(
                first[mine],
                mrn=other.mrn,
                family_name=other.family_name,
                given_name=other.given_name,
            )
            names = {"m": other.mrn, "f": other.family_name, "g": other.given_name, "id": mine}
            connection.execute(
                text(
                    "UPDATE patients SET mrn = :m, family_name = :f, given_name = :g WHERE id = :id"
                ),
                names,
            )
            connection.execute(
                text(
                    "UPDATE patient_versions SET mrn = :m, family_name = :f, given_name = :g, "
                    "hash = :h WHERE patient_id = :id AND version = 1"
                ),
                {**names, "h": forged.compute_hash(GENESIS_HASH)},
            )


def test_a_signature_made_before_patient_hashes_still_verifies(clinic: Clinic) -> None:
    """A signature of the older form (no patient version recorded) covers what it covered
    (its digital signature made as keys make it: unkeyed ones are services.vouching's)."""
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    with clinic.db.transaction() as tx:
        loaded = load_session(tx, sid)
        head = loaded.events[-1]
        signer = clinic.physician
        older = p.Signature(
            REVIEWED_AND_APPROVED,
            signer.display_name,
            signer.credentials,
            signed_content_hash(loaded, head),
            head.seq,
            head.hash,
        )
        key_signature = signer.signing_key().sign(signed_message(sid, older))
        older = replace(older, key_signature=key_signature)
        append_to_session(tx, signer, loaded, older, EventKind.SIGNATURE, tx.now)
    assert "patient_version_hash" not in json.dumps(_signature_payload(clinic, sid))
    assert _problems(clinic.db) == []


def _signature_payload(clinic: Clinic, sid: str) -> Any:
    with privileged(clinic.db) as connection:
        found = connection.execute(
            text("SELECT payload FROM events WHERE session_id = :s AND kind = 'signature'"),
            {"s": sid},
        )
        return json.loads(found.scalar_one())


def test_a_session_opened_before_protocol_digests_keeps_its_genesis_hash() -> None:
    opened_at = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
    header = SessionHeader("s-1", 1, 2, "Chair 1", date(2026, 5, 1), opened_at, 3)
    before = chain_hash(
        {
            "session_id": "s-1",
            "patient_id": 1,
            "protocol_id": 2,
            "chair": "Chair 1",
            "session_date": "2026-05-01",
            "created_at": format_instant(opened_at),
            "created_by": 3,
        },
        GENESIS_HASH,
    )
    assert header.genesis_hash() == before
    assert replace(header, protocol_digest="d" * 64).genesis_hash() != before


def test_a_new_session_records_its_protocols_digest(clinic: Clinic) -> None:
    sid = clinic.open_session()
    with privileged(clinic.db) as connection:
        found = connection.execute(
            text("SELECT protocol_digest FROM sessions WHERE id = :s"), {"s": sid}
        )
        assert found.scalar_one() == clinic.protocols[0].digest


# --- the workstation's anchors record these chains' heads -------------------------------------


def test_a_setting_set_back_with_its_chain_passes_verify_but_not_the_anchor(
    clinic: Clinic, tmp_path: Path
) -> None:
    """Someone removes the rename, moves the head back and restores the old name: the chain
    checks, but the audit trail names the rename's version, and this workstation saw it."""
    book = keep_anchors(clinic.db, tmp_path / "workstation" / "anchors.json")
    _renamed(clinic)
    book.flush()
    first, newest = _versions(clinic.db, NAME_CHAIN)
    with _tampering(clinic.db) as connection:
        connection.execute(text("DELETE FROM row_versions WHERE id = :id"), {"id": newest.id})
        connection.execute(
            text("UPDATE chain_heads SET seq = 1, hash = :h WHERE chain = :c"),
            {"h": first.hash, "c": NAME_CHAIN},
        )
        connection.execute(
            text("UPDATE settings SET value = 'Calm Harbor Clinic' WHERE key = 'clinic.name'")
        )
    assert _problems(clinic.db) == [("setting clinic.name", "audited version 2 is missing")]
    anchor = next(a for a in book.anchors() if a.chain == NAME_CHAIN)
    with clinic.db.reading() as tx:
        found = [(pr.where, pr.message) for pr in check_anchors(tx, [anchor])]
    assert found == [
        (
            "setting clinic.name",
            f"the chain now ends at entry 1, but {anchor.source} recorded entry 2 on "
            f"{anchor.seen_at}: newest entries were removed",
        )
    ]
