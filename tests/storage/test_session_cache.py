"""A cached session is reused only while it reaches its chain's head; anything else is read
from the database again, never trusted and never an unhandled error."""

from __future__ import annotations

from sqlalchemy import update

from ketachart.models import ChainHead
from ketachart.services import charting
from ketachart.services.chains import session_chain
from ketachart.services.sessions import load_session
from tests.support import ALL_PRE_CHECKS, Clinic


def test_a_head_moved_past_the_events_is_read_again_not_raised(clinic: Clinic) -> None:
    session_id = clinic.open_session()
    clinic.act(charting.chart, clinic.nurse, session_id, ALL_PRE_CHECKS)
    with clinic.db.reading() as tx:
        cached = load_session(tx, session_id)
    with clinic.db.engine.begin() as connection:  # behind ketachart's back
        connection.execute(
            update(ChainHead)
            .where(ChainHead.chain == session_chain(session_id))
            .values(seq=ChainHead.seq + 3, hash="f" * 64)
        )
    with clinic.db.reading() as tx:
        loaded = load_session(tx, session_id)
    assert loaded is not cached
    assert [e.id for e in loaded.events] == [e.id for e in cached.events]
