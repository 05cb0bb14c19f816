"""The pre-session gate: each check done, not applicable, or overridden with a reason."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord
from ketachart.domain.vocab import PRE_CHECK_LABELS, PreCheckCode, PreCheckStatus
from ketachart.errors import ValidationError
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.forms import Submission
from ketachart.ui.widgets import EnumCombo, line_edit
from ketachart.ui.workstation import Workstation

STATUS_LABELS = {
    PreCheckStatus.DONE: "Done",
    PreCheckStatus.NOT_APPLICABLE: "Not applicable",
    PreCheckStatus.OVERRIDDEN: "Overridden (reason)",
}


class PreCheckRow(QWidget):
    """One check: its status and a detail (the reason, when overridden)."""

    def __init__(self, dialog: SessionDialog, code: PreCheckCode) -> None:
        super().__init__()
        label = PRE_CHECK_LABELS[code]
        self.status = EnumCombo(
            list(PreCheckStatus),
            dialog.tr("%s: status") % label,
            labels={s: dialog.tr(text) for s, text in STATUS_LABELS.items()},
            placeholder=dialog.tr("Not yet"),
        )
        self.status.setMinimumWidth(240)
        self.detail = line_edit(
            dialog.tr("%s: detail or reason") % label,
            placeholder=dialog.tr("Detail or reason"),
            max_len=limits.REASON,
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status)
        row.addWidget(self.detail, 1)

    def item(self, code: PreCheckCode) -> p.PreCheckItem | None:
        status = self.status.value()
        if status is None:
            return None
        return p.PreCheckItem(code, status, self.detail.text().strip())


class PreChecksDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Pre-session checks", parent)
        self.setMinimumWidth(1080)
        self.rows: dict[PreCheckCode, PreCheckRow] = {}
        for code in PreCheckCode:
            self.rows[code] = self._add_row(code)
        self.escort = self.text_field(
            "escort_name", "Escort name (ride home)", max_len=limits.PERSON_NAME
        )
        self.escort_relationship = self.text_field(
            "escort_relationship", "Escort relationship", max_len=limits.CONTACT
        )
        self.escort_phone = self.text_field(
            "escort_phone", "Escort phone (ride home)", max_len=limits.CONTACT
        )
        self._prefill()
        self.finish_form(self.rows[PreCheckCode.IDENTITY].status)

    def _add_row(self, code: PreCheckCode) -> PreCheckRow:
        row = PreCheckRow(self, code)
        self.add_field(f"items.{code}", self.tr(PRE_CHECK_LABELS[code]), row)
        name = f"items.{code}"
        row.status.currentIndexChanged.connect(lambda *_a: self._on_row_changed(name))
        row.detail.textChanged.connect(lambda *_a: self._on_row_changed(name))
        return row

    def _on_row_changed(self, name: str) -> None:
        self._touched.add(name)
        self.validate_live()

    def _prefill(self) -> None:
        """Checks already charted in this session show as they stand."""
        self._charted = dict(self.state.pre_checks)
        for code, item in self.state.pre_checks.items():
            self.rows[code].status.set_value(item.status)
            self.rows[code].detail.setText(item.detail)
        escort = self.state.arranged_escort
        if escort is not None:
            self.escort.setText(escort.name)
            self.escort_relationship.setText(escort.relationship)
            self.escort_phone.setText(escort.phone)
        self._touched.clear()

    def _typed_escort(self) -> p.Escort:
        return p.Escort(
            self.escort.text().strip(),
            self.escort_relationship.text().strip(),
            self.escort_phone.text().strip(),
        )

    def build(self) -> p.Payload:
        items = []
        for code, row in self.rows.items():
            item = row.item(code)
            if item is not None and item != self._charted.get(code):
                items.append(item)
        escort = self._typed_escort()
        self._check_ride(items, escort)
        return p.PreChecks(tuple(items), escort.name, escort.relationship, escort.phone)

    def _check_ride(self, items: list[p.PreCheckItem], escort: p.Escort) -> None:
        ride = next((i for i in items if i.code is PreCheckCode.RIDE_ARRANGED), None)
        done = ride is not None and ride.status is PreCheckStatus.DONE
        if done and not (escort.name and escort.phone):
            raise ValidationError.single(
                "escort_name", self.tr("Ride home arranged: give the escort's name and phone.")
            )

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)
