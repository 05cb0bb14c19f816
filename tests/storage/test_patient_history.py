"""Patient details as appended versions: a signed session's summary keeps the details it was
signed with and notes each later change; verify finds a patients row rewritten in SQL."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

from ketachart.models import PatientVersion
from ketachart.reports.blocks import FactsBlock, TableBlock, cell_text
from ketachart.reports.export import export_session_pdf, session_summary
from ketachart.services import patients
from ketachart.services.patient_history import content_of
from ketachart.services.verify import PATIENT_ROW_CHANGED, verify_all
from ketachart.storage import dialect
from tests.postgres import privileged
from tests.reports.pdf_text import page_texts
from tests.storage.helpers import sign
from tests.support import Clinic, chart_to_discharged

NEW_DOB = date(1981, 3, 4)
TABLE = "patient_versions"


def _signed_then_edited(clinic: Clinic) -> str:
    """A session signed with allergies 'Penicillin' and DOB 1980-02-03; a day later the
    nurse clears the allergies ('no known allergies') and changes the date of birth."""
    sid = clinic.open_session()
    chart_to_discharged(clinic, sid)
    sign(clinic, sid)
    clinic.later(24 * 60)
    edited = replace(
        clinic.patient.details(), allergies="", no_known_allergies=True, date_of_birth=NEW_DOB
    )
    clinic.act(patients.update_patient, clinic.nurse, clinic.patient.id, edited, "typo in DOB")
    return sid


def _pdf_text(clinic: Clinic, sid: str, path: Path) -> str:
    export_session_pdf(clinic.db, clinic.physician, sid, path)
    return re.sub(r"\s+", " ", " ".join(page_texts(path)))


def test_signed_pdf_prints_the_patient_as_signed_and_notes_the_change(
    clinic: Clinic, tmp_path: Path
) -> None:
    sid = _signed_then_edited(clinic)
    pdf = _pdf_text(clinic, sid, tmp_path / "signed.pdf")
    assert "Penicillin" in pdf
    assert "1980-02-03" in pdf
    assert NEW_DOB.isoformat() not in pdf
    edited_on = clinic.clock.now().date().isoformat()
    assert (
        f"Patient details changed after signing on {edited_on} by Nina Øster, RN: "
        "allergies, date of birth, no known allergies" in pdf
    )


def test_review_screen_summary_shows_the_same_as_the_pdf(clinic: Clinic) -> None:
    """The screen renders the report model the PDF prints (one derivation)."""
    sid = _signed_then_edited(clinic)
    report = session_summary(clinic.db, clinic.physician, sid, audited=False).report
    blocks = report.sections[0].blocks
    facts = dict(next(b for b in blocks if isinstance(b, FactsBlock)).facts)
    assert cell_text(facts["Allergies"]) == "Penicillin"
    assert cell_text(facts["Date of birth"]).startswith("1980-02-03")
    notes = next(b for b in blocks if isinstance(b, TableBlock))
    assert "allergies, date of birth" in cell_text(notes.rows[0][0])


def test_current_details_are_the_edited_ones(clinic: Clinic) -> None:
    _signed_then_edited(clinic)
    with clinic.db.reading() as tx:
        row = patients.get_patient(tx, clinic.patient.id)
    assert (row.allergies, row.date_of_birth) == ("", NEW_DOB)
    assert row.no_known_allergies_at is not None


def test_an_unsigned_session_shows_the_current_details(clinic: Clinic, tmp_path: Path) -> None:
    sid = clinic.open_session()
    clinic.later(5)
    edited = replace(clinic.patient.details(), date_of_birth=NEW_DOB)
    clinic.act(patients.update_patient, clinic.nurse, clinic.patient.id, edited)
    pdf = _pdf_text(clinic, sid, tmp_path / "draft.pdf")
    assert NEW_DOB.isoformat() in pdf
    assert "changed after signing" not in pdf


def test_old_details_are_kept_in_the_database(clinic: Clinic) -> None:
    _signed_then_edited(clinic)
    with clinic.db.reading() as tx:
        versions = tx.orm.scalars(
            select(PatientVersion)
            .where(PatientVersion.patient_id == clinic.patient.id)
            .order_by(PatientVersion.version)
        ).all()
        kept = [(v.version, v.allergies, v.date_of_birth, v.reason) for v in versions]
        by = [v.recorded_by for v in versions]
    assert kept == [
        (1, "Penicillin", date(1980, 2, 3), ""),
        (2, "", NEW_DOB, "typo in DOB"),
    ]
    assert by == [clinic.nurse.id, clinic.nurse.id]
    with privileged(clinic.db) as connection:
        stored = connection.execute(text("SELECT allergies FROM patient_versions")).scalars()
        assert "Penicillin" in list(stored)


def test_an_untouched_database_verifies_clean(clinic: Clinic) -> None:
    _signed_then_edited(clinic)
    with clinic.db.reading() as tx:
        assert verify_all(tx) == []


def test_verify_flags_a_patients_row_changed_in_sql(clinic: Clinic) -> None:
    _signed_then_edited(clinic)
    with privileged(clinic.db) as connection:
        connection.execute(
            text("UPDATE patients SET allergies = 'Latex' WHERE id = :id"),
            {"id": clinic.patient.id},
        )
    with clinic.db.reading() as tx:
        found = [(pr.where, pr.message) for pr in verify_all(tx)]
    assert found == [(f"patient {clinic.patient.id}", PATIENT_ROW_CHANGED)]


def test_verify_flags_a_version_rewritten_with_its_chain(clinic: Clinic) -> None:
    """Someone rewrites the version the session was signed with and recomputes its hash:
    the audit trail still names the hash it had."""
    _signed_then_edited(clinic)
    with clinic.db.reading() as tx:
        first = tx.orm.scalars(select(PatientVersion).where(PatientVersion.version == 1)).one()
        forged = replace(content_of(first), allergies="")
        digest = forged.compute_hash(first.prev_hash)
    with privileged(clinic.db) as connection:
        for statement in dialect.drop_append_only_ddl(clinic.db.dialect_name, TABLE):
            connection.execute(text(statement))
        connection.execute(
            text("UPDATE patient_versions SET allergies = '', hash = :h WHERE version = 1"),
            {"h": digest},
        )
    with clinic.db.reading() as tx:
        messages = [pr.message for pr in verify_all(tx)]
    assert "version 1 differs from the one audited" in messages
    assert "entry 2 does not link to the entry before it" in messages
