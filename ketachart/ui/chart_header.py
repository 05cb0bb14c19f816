"""The header that never scrolls away, the way anaesthesia records do it: a fixed patient
banner (who, allergies), a full-width band naming the session's stage, the dose and what is
due, and a fixed-height alert list with its count. Nothing in it grows, so nothing below it
moves when a long name, a long allergy list or alerts appear.

`header_facts` is a pure function of the chart and the time: every word shown is derived
there (from the session model and the domain), the widgets only lay it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent, QTextLayout
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.age import age_on
from ketachart.domain.allergies import AllergyStatus, AllergyText, allergy_count, allergy_text
from ketachart.domain.session_model import SessionModel
from ketachart.domain.timeline import SessionStatus
from ketachart.services.sessions import SessionView
from ketachart.ui.alarm import MuteButton
from ketachart.ui.icons import IconName, icon, icon_label, set_label_icon
from ketachart.ui.patient_dialog import sex_label
from ketachart.ui.widgets import ALLERGY_LABEL_NAMES, named_label, plain_label, tooltip_html

ALLERGY_LINES = 2
"""The allergy field's height in lines: a longer list shows its count and start, and a
button opens the whole list."""
ALERT_ROWS = 2
"""Alerts visible at once; more scroll (the count says how many there are)."""


def clock_text(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return f"-{text}" if delta.total_seconds() < 0 else text


# --- the facts (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class BannerFacts:
    """The patient banner: identity and allergies, each in its own field."""

    name: str
    age_sex: str
    born: str
    mrn: str
    weight: str
    allergies: AllergyText
    allergy_count: int


@dataclass(frozen=True)
class StageBand:
    """The full-width band: `stage` picks its colour (theme), `text` says it in words."""

    stage: str
    text: str


@dataclass(frozen=True)
class HeaderFacts:
    banner: BannerFacts
    band: StageBand
    dosing: str
    progress: str
    due: str
    overdue: bool
    alerts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.banner.name

    @property
    def alert_count(self) -> str:
        count = len(self.alerts)
        if not count:
            return "No alerts"
        return "1 alert" if count == 1 else f"{count} alerts"


def header_facts(view: SessionView, model: SessionModel) -> HeaderFacts:
    """What the header shows of `view`, from its read model at the moment shown (`model`,
    built once per tick and shared with the entry buttons)."""
    plan = model.state.plan
    return HeaderFacts(
        banner=banner_facts(view, model),
        band=stage_band(model),
        dosing=(
            f"{view.session.chair} · {view.protocol.name} · plan {plan.total_mg} mg at "
            f"{plan.rate_ml_h} mL/h over {plan.duration_min} min"
        ),
        progress=_progress(model),
        due=_due_text(model),
        overdue=model.overdue,
        alerts=tuple(a.message for a in model.live_alerts),
    )


def banner_facts(view: SessionView, model: SessionModel) -> BannerFacts:
    patient = view.patient
    age = age_on(patient.date_of_birth, view.session.session_date)
    return BannerFacts(
        name=patient.display_name,
        age_sex=f"{age} y · {sex_label(patient.sex)}",
        born=f"DOB {patient.date_of_birth.isoformat()}",
        mrn=f"MRN {patient.mrn}",
        weight=f"{model.state.weight_kg} kg",
        allergies=allergy_text(patient.allergies, patient.no_known_allergies_at),
        allergy_count=allergy_count(patient.allergies),
    )


def stage_band(model: SessionModel) -> StageBand:
    """The stage in capitals with what matters in it now: how long, at what rate."""
    status, rate = model.status, model.running_rate_ml_h
    if status is SessionStatus.PAUSED:
        since = paused_since(model)
        held = f" {clock_text(model.now - since)}" if since is not None else ""
        was = f" (was {model.state.rate_ml_h} mL/h)"
        return StageBand("paused", f"INFUSION PAUSED{held} — rate 0 mL/h{was}")
    if status is SessionStatus.INFUSING:
        elapsed = clock_text(model.infusion_elapsed)
        return StageBand("infusing", f"INFUSING {elapsed} — rate {rate} mL/h")
    if status is SessionStatus.RECOVERY:
        elapsed = clock_text(model.recovery_elapsed)
        return StageBand("recovery", f"RECOVERY {elapsed} — infusion stopped")
    if status is SessionStatus.DISCHARGED:
        return StageBand("discharged", "DISCHARGED — record to be signed")
    if status is SessionStatus.SIGNED:
        return StageBand("signed", "SIGNED — record closed")
    step = "pre-checks in progress" if status is SessionStatus.PRE_CHECKS else "scheduled"
    return StageBand("pre_infusion", f"PRE-INFUSION — {step}")


def paused_since(model: SessionModel) -> datetime | None:
    """When the running pause began: a pause closes the last rate segment."""
    segments = model.state.segments
    if not model.state.paused or not segments:
        return None
    return segments[-1].end


def _progress(model: SessionModel) -> str:
    text = f"Dose delivered {model.delivered_mg} mg · infusion {clock_text(model.infusion_elapsed)}"
    if model.status in (SessionStatus.RECOVERY, SessionStatus.DISCHARGED):
        text += f" · recovery {clock_text(model.recovery_elapsed)}"
    resolved = model.dose_resolution_text
    if resolved is not None:
        text += f" · dose difference {resolved}"
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


# --- the widgets ---------------------------------------------------------------------------


def restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def fixed_lines(label: QLabel, lines: int) -> None:
    """Make `label` exactly `lines` lines tall in its own (style-sheet) font."""
    label.ensurePolished()
    margins = label.contentsMargins()
    extra = margins.top() + margins.bottom() + 2 * label.margin() + 4
    label.setFixedHeight(label.fontMetrics().lineSpacing() * lines + extra)


class ElidedLabel(QLabel):
    """One line that never pushes its neighbours: elided at the end ('…'), the full text in
    its tooltip and accessible name. `full_text()` is what was given, exactly."""

    def __init__(self, name: str = "") -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        if name:
            self.setObjectName(name)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._full = ""
        fixed_lines(self, 1)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        if text == self._full and self.text():
            return
        self._full = text
        self.setToolTip(tooltip_html(text))
        self.setAccessibleName(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 0)
        one_line = " ".join(self._full.split())
        shown = self.fontMetrics().elidedText(one_line, Qt.TextElideMode.ElideRight, width)
        super().setText(shown)


def wrapped_lines(text: str, font: QFont, width: int) -> list[str]:
    """`text` broken into the lines it takes at `width` (at word boundaries, or anywhere in
    a word longer than the line), as Qt lays text out."""
    layout = QTextLayout(text, font)
    option = layout.textOption()
    option.setWrapMode(option.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    lines: list[str] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1))
        lines.append(text[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def fitted_allergies(text: str, font: QFont, width: int, lines: int) -> tuple[str, bool]:
    """What fits in `lines` lines at `width`: the whole text, or the start of it ending in
    '…' (True: cut, so the count and the 'show all' button say there is more)."""
    wrapped = wrapped_lines(text, font, width)
    if len(wrapped) <= lines:
        return "\n".join(line.rstrip() for line in wrapped), False
    metrics = QFontMetrics(font)
    kept = [line.rstrip() for line in wrapped[: lines - 1]]
    rest = " ".join("".join(wrapped[lines - 1 :]).split())
    kept.append(metrics.elidedText(rest + " …", Qt.TextElideMode.ElideRight, width))
    return "\n".join(kept), True


class AllergyPopup(QDialog):
    """The whole allergy list, exactly as typed, in a window that does not block charting."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        layout = QVBoxLayout(self)
        self.who = ElidedLabel("bannerFact")  # whose allergies, in the window too
        self.who.set_full_text(title)
        layout.addWidget(self.who)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setAccessibleName(self.tr("Allergies"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(560, 320)


class AllergyField(QFrame):
    """The banner's allergy field: two lines in the style of its state; a list that does not
    fit shows its count and its start, and 'Show all' opens the whole list (never cut
    silently). The text is also in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.icon = icon_label(IconName.ALLERGY, 28)
        self.text = plain_label(name="allergies")
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.show_all = QPushButton(self.tr("Show all"))
        self.show_all.setObjectName("showAllergies")
        self.show_all.clicked.connect(self.open_popup)
        retain = self.show_all.sizePolicy()
        retain.setRetainSizeWhenHidden(True)  # the text's width never depends on it
        self.show_all.setSizePolicy(retain)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.text, 1)
        row.addWidget(self.show_all, 0, Qt.AlignmentFlag.AlignVCenter)
        self.popup: AllergyPopup | None = None
        self._said = AllergyText(AllergyStatus.NOT_RECORDED, "")
        self._count = 0
        self._full = ""
        self._who = ""
        self.cut = False
        fixed_lines(self.text, ALLERGY_LINES)

    def full_text(self) -> str:
        """Everything the field says, exactly (what it shows may be the start of it)."""
        return self._full

    def show_allergies(self, said: AllergyText, count: int, who: str) -> None:
        if (said, count, who) == (self._said, self._count, self._who) and self.text.text():
            return
        self._said, self._count, self._who = said, count, who
        self._full = f"ALLERGIES: {said.text}" if said.listed else said.text
        self.icon.setVisible(said.listed)
        self.text.setObjectName(ALLERGY_LABEL_NAMES[said.status])
        restyle(self.text)
        self.text.setToolTip(tooltip_html(self._full))
        self.text.setAccessibleName(self._full)
        self._fit()
        if self.popup is not None and self.popup.isVisible():
            self.popup.text.setPlainText(said.text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = self.text.contentsRect().width() - 2 * self.text.margin()
        shown, self.cut = fitted_allergies(self._full, self.text.font(), width, ALLERGY_LINES)
        if self.cut and self._said.listed:
            head = f"ALLERGIES ({self._count}): " if self._count > 1 else "ALLERGIES: "
            shown, _cut = fitted_allergies(
                head + self._said.text, self.text.font(), width, ALLERGY_LINES
            )
        self.text.setText(shown)
        self.show_all.setVisible(self.cut)
        self.show_all.setText(
            self.tr("Show all %d") % self._count if self._count > 1 else self.tr("Show all")
        )

    def open_popup(self) -> AllergyPopup:
        """The whole list in a window of its own (not modal: the chart stays usable)."""
        if self.popup is None:
            title = self.tr("Allergies — %s") % self._who
            self.popup = AllergyPopup(title, self._said.text, self.window())
        self.popup.text.setPlainText(self._said.text)
        self.popup.show()
        self.popup.activateWindow()
        return self.popup


class PatientBanner(QFrame):
    """Name, age and sex, DOB, MRN and weight on one line; allergies in their own field
    below. Fixed height: the name is elided (full in its tooltip), the MRN always whole."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientBanner")
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setVerticalSpacing(2)
        self.name = ElidedLabel("headerName")
        self.age_sex = named_label("bannerFact")
        self.born = named_label("bannerFact")
        self.mrn = named_label("bannerFact")
        self.weight = named_label("bannerFact")
        for fact in (self.age_sex, self.born, self.mrn, self.weight):
            fact.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            fact.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.allergies = AllergyField()
        grid.addWidget(self.name, 0, 0)
        for column, fact in enumerate((self.age_sex, self.born, self.mrn, self.weight), 1):
            grid.addWidget(fact, 0, column)
        grid.addWidget(self.allergies, 1, 0, 1, 5)
        grid.setColumnStretch(0, 1)
        grid.setHorizontalSpacing(18)

    def show_banner(self, facts: BannerFacts) -> None:
        self.name.set_full_text(facts.name)
        self.age_sex.setText(facts.age_sex)
        self.born.setText(facts.born)
        self.mrn.setText(facts.mrn)
        self.mrn.setAccessibleName(facts.mrn)
        self.weight.setText(facts.weight)
        who = f"{facts.name} ({facts.mrn})"
        self.allergies.show_allergies(facts.allergies, facts.allergy_count, who)


class AlertList(QWidget):
    """The live alerts as a fixed-height list with its count ("3 alerts"): the buttons
    below never move when alerts come and go; more than fit scroll."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.count = named_label("alertCount", "No alerts")
        self.count.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.count.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.list = QListWidget()
        self.list.setObjectName("alertList")
        self.list.setAccessibleName(self.tr("Alerts"))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setWordWrap(False)
        self.list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.list.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustIgnored)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)  # whole text in the tooltip
        self.list.setUniformItemSizes(True)
        self.list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._icon = icon(IconName.WARNING)
        self._shown: tuple[str, ...] | None = None
        self._fix_height()
        row.addWidget(self.count)
        row.addWidget(self.list, 1)

    def _fix_height(self) -> None:
        """ALERT_ROWS rows of the alert style (bold, with the icon), measured on a probe."""
        self.list.setProperty("active", "true")
        restyle(self.list)
        self.list.addItem(QListWidgetItem(self._icon, "Probe"))
        row = self.list.sizeHintForRow(0)
        self.list.clear()
        self.list.setProperty("active", "false")
        restyle(self.list)
        self.list.setFixedHeight(row * ALERT_ROWS + 2 * self.list.frameWidth())

    def show_alerts(self, alerts: tuple[str, ...], count_text: str) -> None:
        if alerts == self._shown:
            return
        self._shown = alerts
        self.list.clear()
        for text in alerts:
            item = QListWidgetItem(self._icon, " ".join(text.split()))
            item.setToolTip(tooltip_html(text))
            self.list.addItem(item)
        self.count.setText(count_text)
        for widget in (self.count, self.list):
            widget.setProperty("active", "true" if alerts else "false")
            restyle(widget)

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]


class ChartHeader(QFrame):
    """`actions`: buttons for the record as a whole (sign, export, print), at the end of the
    stage band's line, where they take no height of their own."""

    def __init__(self, actions: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartHeader")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(3)
        self.banner = PatientBanner()
        self.band = named_label("stageBand")
        self.band.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        fixed_lines(self.band, 1)
        self.dosing = ElidedLabel()
        self.progress = ElidedLabel()
        self.due = named_label("due")
        self.due.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        fixed_lines(self.due, 1)
        self.mute = MuteButton()
        """The session's alarm switch (ketachart.ui.alarm; the chart audits its presses)."""
        self.due_icon = icon_label(None)
        self.alerts = AlertList()
        outer.addWidget(self.banner)
        band_line = QHBoxLayout()
        band_line.setSpacing(6)
        band_line.addWidget(self.band, 1)
        if actions is not None:
            band_line.addWidget(actions)
        outer.addLayout(band_line)
        outer.addLayout(self._lower())
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.sizeHint().height())

    @property
    def name(self) -> ElidedLabel:
        return self.banner.name

    @property
    def allergies(self) -> AllergyField:
        return self.banner.allergies

    def _lower(self) -> QGridLayout:
        """Two lines on the left (the plan; progress and what is due), the alarm switch
        beside them, the alert list on the right: as tall as the two lines, so the header
        stays short on a 720 px screen."""
        grid = QGridLayout()
        grid.setVerticalSpacing(0)
        due = QHBoxLayout()
        due.setSpacing(4)
        due.addWidget(self.progress, 1)
        due.addWidget(self.due_icon)
        due.addWidget(self.due)
        grid.addWidget(self.dosing, 0, 0)
        grid.addLayout(due, 1, 0)
        grid.addWidget(self.mute, 0, 1, 2, 1, Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.alerts, 0, 2, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)
        return grid

    def show_facts(self, facts: HeaderFacts) -> None:
        self.banner.show_banner(facts.banner)
        self.band.setText(facts.band.text)
        self.band.setAccessibleName(facts.band.text)
        if self.band.property("stage") != facts.band.stage:
            self.band.setProperty("stage", facts.band.stage)
            restyle(self.band)
        self.dosing.set_full_text(facts.dosing)
        self.progress.set_full_text(facts.progress)
        self.due.setText(facts.due)
        set_label_icon(self.due_icon, IconName.OVERDUE if facts.overdue else None)
        name = "overdue" if facts.overdue else "due"
        if self.due.objectName() != name:
            self.due.setObjectName(name)
            restyle(self.due)
        self.alerts.show_alerts(facts.alerts, facts.alert_count)
