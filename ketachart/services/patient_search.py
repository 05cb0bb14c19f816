"""Finding patients through indexes, and keeping each patient findable.

What a person types is folded (domain.search_keys) and matched by prefix against each
patient's keys: every word of the family and given names, and the MRN whole. Every typed
word must begin one of the patient's words ("nguy van" finds "Nguyễn Văn, An"); the whole
text may also begin the MRN ("mrn-00" finds MRN-0012). A date typed as YYYY-MM-DD finds
the patients born that day. The list is ordered by the folded names, so the empty search
shown at every sign-in reads the first rows of an index, not every patient. A part inside
a word ("kas" in "Łukasiewicz") no longer matches: no index can find it."""

from __future__ import annotations

import contextlib
from datetime import date
from itertools import groupby

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, select, update

from ketachart.domain.findings import Problem
from ketachart.domain.search_keys import after_prefix, fold, query_words, search_keys
from ketachart.models import Patient, PatientSearchKey
from ketachart.services.patient_history import STREAMED
from ketachart.storage.database import Tx


def keep_searchable(tx: Tx, patient: Patient) -> None:
    """Fold `patient`'s names and rewrite its keys from its current details, in the
    transaction that registers or edits it. Keys are rewritten in place: the application
    may not delete, so a place no longer needed holds the empty key, which matches nothing."""
    patient.family_fold = fold(patient.family_name)
    patient.given_fold = fold(patient.given_name)
    tx.orm.flush()
    wanted = search_keys(patient.mrn, patient.family_name, patient.given_name)
    rows = tx.orm.execute(
        select(PatientSearchKey.position, PatientSearchKey.key).where(
            PatientSearchKey.patient_id == patient.id
        )
    )
    stored = {position: key for position, key in rows}
    places = range(max(len(wanted), len(stored)))
    for position, key in ((p, wanted[p] if p < len(wanted) else "") for p in places):
        if position not in stored:
            tx.orm.add(PatientSearchKey(patient_id=patient.id, position=position, key=key))
        elif stored[position] != key:
            tx.orm.execute(
                update(PatientSearchKey)
                .where(
                    PatientSearchKey.patient_id == patient.id,
                    PatientSearchKey.position == position,
                )
                .values(key=key)
            )


def search_statement(text: str, limit: int) -> Select[Patient]:
    """The patients `text` finds (all if empty), by folded name, at most `limit`."""
    statement = select(Patient).order_by(Patient.family_fold, Patient.given_fold, Patient.id)
    folded = fold(text).strip()
    if folded:
        statement = statement.where(Patient.id.in_(_matching_ids(text, folded)))
    return statement.limit(limit)


def _matching_ids(text: str, folded: str) -> Select[int]:
    """The ids of the patients the typed text finds: each way of matching is one index seek."""
    found = [_keys_starting(folded)]
    typed = query_words(folded)
    if typed and typed != [folded]:
        found.append(_every_word_begins_a_key(typed))
    with contextlib.suppress(ValueError):
        born = date.fromisoformat(text.strip())
        found.append(select(Patient.id).where(Patient.date_of_birth == born))
    union = found[0].union(*found[1:]) if len(found) > 1 else found[0]
    return select(union.subquery().c[0])


def _every_word_begins_a_key(typed: list[str]) -> Select[int]:
    """Patients with a key starting with each typed word: the longest word (likely the
    fewest patients) seeks the index; the others are checked for those patients alone."""
    first, *others = sorted(typed, key=len, reverse=True)
    statement = _keys_starting(first)
    for word in others:
        other = PatientSearchKey.__table__.alias()
        statement = statement.where(
            select(other.c.patient_id)
            .where(other.c.patient_id == PatientSearchKey.patient_id, _starts(other.c.key, word))
            .exists()
        )
    return statement


def _keys_starting(prefix: str) -> Select[int]:
    return select(PatientSearchKey.patient_id).where(_starts(PatientSearchKey.key, prefix))


def _starts(key: SQLColumnExpression[str], prefix: str) -> ColumnElement[bool]:
    """`key` begins with `prefix`, as a range an index seeks (LIKE would not use it on
    SQLite, and depends on the collation on PostgreSQL)."""
    return and_(key >= prefix, key < after_prefix(prefix))


SEARCH_AID_DIFFERS = (
    "the patient's search keys differ from their details: changed outside ketachart (the "
    "patient may be hidden from, or shown for, a search); editing and saving the patient "
    "rewrites them"
)


def search_aid_problems(tx: Tx) -> list[Problem]:
    """Each patient's folded names and search keys are what their details give: a key
    changed in SQL could hide a patient from the search, or show them for another's name.
    Two queries in patient order, walked side by side, one patient's keys at a time."""
    keys = tx.orm.execute(
        select(PatientSearchKey.patient_id, PatientSearchKey.key)
        .where(PatientSearchKey.key != "")
        .order_by(PatientSearchKey.patient_id, PatientSearchKey.position)
        .execution_options(yield_per=STREAMED)  # not buffered: one row per key
    )
    keys_by_patient = groupby(keys, key=lambda row: row.patient_id)
    pending = next(keys_by_patient, None)
    patients = tx.orm.execute(
        select(
            Patient.id,
            Patient.mrn,
            Patient.family_name,
            Patient.given_name,
            Patient.family_fold,
            Patient.given_fold,
        )
        .order_by(Patient.id)
        .execution_options(yield_per=STREAMED)
    )
    problems = []
    for row in patients:
        while pending is not None and pending[0] < row.id:
            pending = next(keys_by_patient, None)
        stored: list[str] = []
        if pending is not None and pending[0] == row.id:
            stored = [key for _, key in pending[1]]
            pending = next(keys_by_patient, None)
        folds = (fold(row.family_name), fold(row.given_name))
        wanted = search_keys(row.mrn, row.family_name, row.given_name)
        if (row.family_fold, row.given_fold) != folds or stored != wanted:
            problems.append(Problem(f"patient {row.id}", SEARCH_AID_DIFFERS))
    return problems
