"""The header that never scrolls away: who, what dose, how far along, what is due, alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QWidget

from ketachart.domain.allergies import allergy_text
from ketachart.domain.session_model import SessionModel
from ketachart.domain.timeline import SessionStatus
from ketachart.services.sessions import SessionView
from ketachart.ui.alarm import MuteButton
from ketachart.ui.icons import IconName, icon_label, set_label_icon
from ketachart.ui.widgets import named_label, plain_label


def clock_text(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return f"-{text}" if delta.total_seconds() < 0 else text


@dataclass(frozen=True)
class HeaderFacts:
    name: str
    identity: str
    allergies: str
    allergies_listed: bool
    dosing: str
    progress: str
    due: str
    overdue: bool
    alerts: tuple[str, ...]


def header_facts(view: SessionView, now: datetime) -> HeaderFacts:
    model = view.model(now)
    state, patient, plan = model.state, view.patient, model.state.plan
    allergies = allergy_text(patient.allergies)
    return HeaderFacts(
        name=patient.display_name,
        identity=f"DOB {patient.date_of_birth.isoformat()}   MRN {patient.mrn}   "
        f"{view.session.chair}",
        allergies=f"ALLERGIES: {allergies.text}" if allergies.listed else allergies.text,
        allergies_listed=allergies.listed,
        dosing=(
            f"{state.weight_kg} kg · {view.protocol.name} · plan {plan.total_mg} mg at "
            f"{plan.rate_ml_h} mL/h over {plan.duration_min} min"
        ),
        progress=_progress(model),
        due=_due_text(model),
        overdue=model.overdue,
        alerts=tuple(a.message for a in model.live_alerts),
    )


def _progress(model: SessionModel) -> str:
    text = (
        f"{model.status_label} · rate {model.running_rate_ml_h} mL/h · delivered "
        f"{model.delivered_mg} mg · infusion {clock_text(model.infusion_elapsed)}"
    )
    if model.status in (SessionStatus.RECOVERY, SessionStatus.DISCHARGED):
        text += f" · recovery {clock_text(model.recovery_elapsed)}"
    baseline = model.baseline
    if baseline is not None:
        v = baseline.vitals
        text += f" · baseline BP {v.systolic}/{v.diastolic} ({baseline.at.astimezone():%H:%M})"
    return text


def _due_text(model: SessionModel) -> str:
    due, now = model.due, model.now
    parts = []
    for label, at, overdue in (
        ("Vitals", due.next_vitals_at, due.vitals_overdue),
        ("Recovery check", due.next_recovery_at, due.recovery_overdue),
    ):
        if at is not None:
            state = "OVERDUE by" if overdue else "due in"
            parts.append(f"{label} {state} {clock_text(abs(at - now))}")
    return " · ".join(parts) if parts else "Nothing due"


class ChartHeader(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartHeader")
        grid = QGridLayout(self)
        self.name = named_label("headerName")
        self.identity = plain_label()
        self.allergies = named_label("allergies")
        self.dosing = plain_label()
        self.progress = plain_label()
        self.due = named_label("due")
        self.alerts = named_label("alertBanner")
        self.alerts.setWordWrap(True)
        self.allergy_icon = icon_label(IconName.ALLERGY)
        self.due_icon = icon_label(IconName.OVERDUE)
        self.alert_icon = icon_label(IconName.WARNING)
        self.mute = MuteButton()
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.identity, 0, 1)
        grid.addLayout(_with_icon(self.allergy_icon, self.allergies), 0, 2)
        grid.addWidget(self.dosing, 1, 0, 1, 3)
        grid.addWidget(self.progress, 2, 0, 1, 2)
        grid.addLayout(_with_icon(self.due_icon, self.due), 2, 2)
        grid.addLayout(_with_icon(self.alert_icon, self.alerts), 3, 0, 1, 2)
        grid.addWidget(self.mute, 3, 2)

    def show_facts(self, facts: HeaderFacts) -> None:
        self.name.setText(facts.name)
        self.identity.setText(facts.identity)
        self.allergies.setText(facts.allergies)
        self.dosing.setText(facts.dosing)
        self.progress.setText(facts.progress)
        set_label_icon(self.allergy_icon, IconName.ALLERGY if facts.allergies_listed else None)
        set_label_icon(self.due_icon, IconName.OVERDUE if facts.overdue else None)
        self.due.setText(facts.due)
        self.due.setObjectName("overdue" if facts.overdue else "due")
        self.due.style().unpolish(self.due)
        self.due.style().polish(self.due)
        self.alerts.setText("\n".join(facts.alerts))
        self.alerts.setVisible(bool(facts.alerts))
        self.alert_icon.setVisible(bool(facts.alerts))


def _with_icon(icon: QLabel, label: QLabel) -> QHBoxLayout:
    """An icon (drawn, not a glyph a font may lack) before a header field."""
    row = QHBoxLayout()
    row.setSpacing(6)
    row.addWidget(icon)
    row.addWidget(label, 1)
    return row
