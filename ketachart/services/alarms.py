"""Muting a session's overdue alarm, and whether it is muted.

Silencing an alarm is something a reviewer asks about afterwards ("who turned the sound off,
and when?"), so muting and unmuting are audited. The audit trail is also where the state is
read from: the newest alarm.mute or alarm.unmute of a session decides. A second copy of the
state (a column, a setting) could disagree with the record of who muted it; this way the mute
outlives closing the chart and restarting the application, is the same on every workstation,
and needs no new table. The entries name only the session: no patient data.
"""

from __future__ import annotations

from sqlalchemy import select

from ketachart.domain.access import Action
from ketachart.errors import NotFound
from ketachart.models import AuditEntry, InfusionSession
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.storage.database import Tx

ALARM_MUTE = "alarm.mute"
ALARM_UNMUTE = "alarm.unmute"


def set_alarm_muted(tx: Tx, actor: Actor, session_id: str, muted: bool) -> bool:
    """Mute (or unmute) the overdue alarm of one session, for everyone who opens its chart;
    audited as alarm.mute / alarm.unmute. Returns the new state."""
    actor.require(Action.VIEW_CHART)
    if tx.orm.get(InfusionSession, session_id) is None:
        raise NotFound(f"No session with id {session_id}.")
    audit(tx, actor, ALARM_MUTE if muted else ALARM_UNMUTE, "session", session_id)
    return muted


def alarm_muted(tx: Tx, session_id: str) -> bool:
    """Whether the session's overdue alarm is muted: its newest mute or unmute says."""
    newest = tx.orm.scalar(
        select(AuditEntry.action)
        .where(
            AuditEntry.target_type == "session",
            AuditEntry.target_id == session_id,
            AuditEntry.action.in_((ALARM_MUTE, ALARM_UNMUTE)),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return newest == ALARM_MUTE
