"""The reconciliation entry: resolves a difference between the delivered dose, the pump volume
and the controlled-substance record (clinical reference, "One reconciliation rule"). The nurse
records it; on Save the physician co-signs through the same sign-in as every override."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord
from ketachart.domain.monitoring import dose_verdict_at, reconciliation_problem
from ketachart.domain.reconciliation import Reconciliation
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.forms import Submission
from ketachart.ui.widgets import number_text
from ketachart.ui.workstation import Workstation

NOT_KNOWN = "Not charted"


def mg_text(value: Decimal | None) -> str:
    return NOT_KNOWN if value is None else f"{number_text(value.quantize(Decimal('0.01')))} mg"


class ReconciliationDialog(SessionDialog):
    """The amounts as found (read-only), the delivered amount accepted or an explanation, and
    the reason; the physician's co-sign is asked on Save."""

    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Dose reconciliation", parent, with_time=False)
        self.found = self._found()
        self._show_found(self.found)
        self.accepted_mg = self.text_field(
            "accepted_mg",
            "Delivered amount accepted (mg)",
            placeholder="e.g. 35",
            max_len=limits.NUMBER,
        )
        self.explanation = self.text_field(
            "explanation", "Explanation of the difference", max_len=limits.DESCRIPTION
        )
        self.reason = self.text_field("reason", "Reason", max_len=limits.REASON)
        self.info_row("Co-sign").setText(
            self.tr("On Save, a physician signs in to co-sign this entry.")
        )
        self._say_if_nothing_to_reconcile()
        self.finish_form(self.accepted_mg)

    def _found(self) -> Reconciliation:
        state = self.state
        return dose_verdict_at(state, state.infusion_stopped_at or self.ws.now()).reconciliation

    def _show_found(self, found: Reconciliation) -> None:
        for label, value in (
            ("Delivered by the charted rates", found.delivered_mg),
            ("By pump volume", found.pump_mg),
            ("Per controlled-substance record", found.recorded_mg),
        ):
            self.info_row(label).setText(mg_text(value))
        self.info_row("Largest difference").setText(
            self.tr("%s (agree within %s)")
            % (mg_text(found.largest_difference_mg), mg_text(found.tolerance_mg))
        )

    def _say_if_nothing_to_reconcile(self) -> None:
        """The gate refuses an entry with nothing to reconcile; say why before any typing."""
        problem = reconciliation_problem(self.state, self._entry("-", None, ""))
        self.status = self.info_row("Status")
        self.status.setText(problem or self.tr("Not resolved: record how the amounts reconcile."))

    def _entry(
        self, reason: str, accepted: Decimal | None, explanation: str
    ) -> p.DoseReconciliation:
        found = self.found
        return p.DoseReconciliation(
            found.delivered_mg, found.pump_mg, found.recorded_mg, reason, accepted, explanation
        )

    def build(self) -> p.Payload:
        values = self.values()
        accepted = values.optional_decimal("accepted_mg", "Delivered amount accepted")
        entry = self._entry(self.reason.text().strip(), accepted, self.explanation.text().strip())
        return values.done(entry)

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)
