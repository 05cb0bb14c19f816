"""Session summary rows: each session's status and what the review queue finds it by, kept up
to date in the transaction of every event (sessions.append_to_session) so that the queue is an
indexed query. A row is a cache of the timeline's derivation (domain.status_summary): it is
updated in place, and verify and the queue derive it again rather than trust it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, true, update

from ketachart.domain.status_summary import StatusSummary
from ketachart.domain.vocab import SessionStatus
from ketachart.models import SessionSummaryRecord
from ketachart.storage.database import Tx

_SUMMARIES = cast(Table, SessionSummaryRecord.__table__)
_UPDATE = (
    update(_SUMMARIES)
    .where(_SUMMARIES.c.session_id == bindparam("row_id"))
    .values(
        status=bindparam("status"),
        discharged_at=bindparam("discharged_at"),
        signed_at=bindparam("signed_at"),
        unsigned_addenda=bindparam("unsigned_addenda"),
        waiting=bindparam("waiting"),
    )
)
_INSERT = insert(_SUMMARIES)


def summary_values(summary: StatusSummary) -> dict[str, object]:
    """The row's columns (but its session id) as `summary` fills them."""
    return {
        "status": summary.status.value,
        "discharged_at": summary.discharged_at,
        "signed_at": summary.signed_at,
        "unsigned_addenda": summary.unsigned_addenda,
        "waiting": summary.waiting,
    }


def store_summary(tx: Tx, session_id: str, summary: StatusSummary) -> None:
    """Bring the session's row up to date, creating it with the session's first event."""
    values = summary_values(summary)
    connection = tx.orm.connection()
    if connection.execute(_UPDATE, {"row_id": session_id, **values}).rowcount == 0:
        connection.execute(_INSERT, {"session_id": session_id, **values})


def waiting_sessions(tx: Tx, limit: int) -> list[str]:
    """The sessions whose rows say a signature is due, longest waiting first, at most `limit`
    (through ix_session_summaries_waiting)."""
    return list(
        tx.orm.scalars(
            select(_SUMMARIES.c.session_id)
            .where(_SUMMARIES.c.waiting == true())
            .order_by(_SUMMARIES.c.discharged_at)
            .limit(limit)
        )
    )


def latest_with_status(tx: Tx, status: SessionStatus, limit: int) -> list[str]:
    """The `limit` most recently discharged sessions whose rows have `status` (through
    ix_session_summaries_status)."""
    return list(
        tx.orm.scalars(
            select(_SUMMARIES.c.session_id)
            .where(_SUMMARIES.c.status == status.value)
            .order_by(_SUMMARIES.c.discharged_at.desc())
            .limit(limit)
        )
    )


def stored_summaries(tx: Tx, session_ids: Iterable[str]) -> dict[str, dict[str, object]]:
    """The stored rows of these sessions, as `summary_values` gives them, by session id."""
    rows = tx.orm.connection().execute(
        select(_SUMMARIES).where(_SUMMARIES.c.session_id.in_(list(session_ids)))
    )
    return {
        row.session_id: {k: v for k, v in row._mapping.items() if k != "session_id"} for row in rows
    }
