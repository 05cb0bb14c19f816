"""Abnormal readings are acknowledged with the reading itself: which alerts the nurse saw and
what was done. The write gate asks for it (`alerts_to_acknowledge`); the dialogs put the answer
into the entry (`with_acknowledgement`); the timeline and the PDF print `acknowledgement_text`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode, code_label
from ketachart.domain.monitoring import Alert
from ketachart.domain.vocab import ALERT_RESPONSE_LABELS, AlertResponse


def reading_of(payload: p.Payload) -> p.Vitals | None:
    """The vitals an entry charts (a vitals entry, or a recovery check's vitals)."""
    if isinstance(payload, p.Vitals):
        return payload
    if isinstance(payload, p.RecoveryCheck):
        return payload.vitals
    return None


def acknowledgement_of(payload: p.Payload) -> p.AlertAcknowledgement | None:
    vitals = reading_of(payload)
    return None if vitals is None else vitals.acknowledgement


def unacknowledged(alerts: Iterable[Alert], ack: p.AlertAcknowledgement | None) -> list[Alert]:
    """The alerts the acknowledgement does not name (all of them without one)."""
    named = () if ack is None else ack.codes
    return [a for a in alerts if a.code not in named]


def with_acknowledgement(payload: p.Payload, ack: p.AlertAcknowledgement) -> p.Payload:
    """The same entry carrying `ack` (a vitals entry or a recovery check); other entries
    chart no reading and are returned as they are."""
    if isinstance(payload, p.Vitals):
        return replace(payload, acknowledgement=ack)
    if isinstance(payload, p.RecoveryCheck):
        return replace(payload, vitals=replace(payload.vitals, acknowledgement=ack))
    return payload


def answered(
    payload: p.Payload, codes: Iterable[str], responses: tuple[AlertResponse, ...]
) -> p.Payload:
    """The entry answering the gate's prompt: the alerts it named (`codes`, as the gate's
    AcknowledgementRequired lists them) acknowledged with `responses`."""
    ack = p.AlertAcknowledgement(tuple(ClinicalCode(c) for c in codes), responses)
    return with_acknowledgement(payload, ack)


def acknowledgement_text(ack: p.AlertAcknowledgement) -> str:
    """'Alerts acknowledged (SpO2 low, RR low): Supplemental O2, Stimulated patient; detail'."""
    seen = ", ".join(code_label(c) for c in ack.codes)
    return f"Alerts acknowledged ({seen}): {response_text(ack)}"


def response_text(ack: p.AlertAcknowledgement) -> str:
    """What was done: 'Supplemental O2, Stimulated patient; detail'."""
    done = ", ".join(ALERT_RESPONSE_LABELS[r] for r in ack.responses)
    return f"{done}; {ack.detail}" if ack.detail.strip() else done
