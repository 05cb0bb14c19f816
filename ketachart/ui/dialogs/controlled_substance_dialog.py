"""The controlled-substance record of the vial: drawn, administered, wasted, witnessed."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord
from ketachart.domain.monitoring import delivered_so_far
from ketachart.domain.rules import check_vial
from ketachart.errors import FieldProblem, KetachartError
from ketachart.services.actors import Actor
from ketachart.services.charting import record_controlled_substance
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.dialogs.infusion_dialogs import typed_number
from ketachart.ui.forms import Submission
from ketachart.ui.prompts import ask_witness
from ketachart.ui.widgets import number_text
from ketachart.ui.workstation import Workstation

EXPIRY_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


def parse_expiry(text: str) -> date | None:
    """'2027-06-30', or '2027-06' as printed on many vials (the last day of that month)."""
    match = EXPIRY_PATTERN.match(text.strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    try:
        day = int(match[3]) if match[3] else calendar.monthrange(year, month)[1]
        return date(year, month, day)
    except ValueError:
        return None


def witnessed_text(record: p.ControlledSubstance) -> str:
    """What the witness signs for, as the record will hold it."""
    return (
        f"{record.drug}, lot {record.lot}: drawn {number_text(record.drawn_mg)} mg, "
        f"administered {number_text(record.administered_mg)} mg, "
        f"wasted {number_text(record.wasted_mg)} mg"
    )


class ControlledSubstanceDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "Controlled substance record", parent)
        self.ask_witness_fn: Callable[[QWidget, Workstation, str], Actor | None] = ask_witness
        delivered = delivered_so_far(self.state, ws.now())
        self.drug = self.text_field(
            "drug", "Drug", self.session.protocol.drug, max_len=limits.LABEL
        )
        self.lot = self.text_field("lot", "Vial lot", max_len=limits.CODE)
        self.expiry = self.text_field(
            "expiry", "Vial expiry", placeholder="YYYY-MM-DD or YYYY-MM", max_len=limits.NUMBER
        )
        self.concentration = self.text_field(
            "concentration_mg_ml",
            "Vial concentration (mg/mL)",
            placeholder="e.g. 50",
            max_len=limits.NUMBER,
        )
        self.container = self.text_field(
            "container_ml", "Vial size (mL)", placeholder="e.g. 10", max_len=limits.NUMBER
        )
        self.drawn = self.text_field("drawn_mg", "Drawn (mg)", max_len=limits.NUMBER)
        self.administered = self.text_field(
            "administered_mg", "Administered (mg)", number_text(delivered), max_len=limits.NUMBER
        )
        self.wasted = self.text_field(
            "wasted_mg", "Wasted (mg) = drawn - administered", max_len=limits.NUMBER
        )
        self.wasted.setReadOnly(True)
        self.info_row("Witness").setText(
            self.tr("On Save, a second nurse or physician signs in to witness the waste.")
        )
        for edit in (self.drawn, self.administered):
            edit.textChanged.connect(self._on_amounts_changed)
        self.finish_form(self.lot)

    def _on_amounts_changed(self, *_args: object) -> None:
        drawn, administered = typed_number(self.drawn), typed_number(self.administered)
        if drawn is None or administered is None:
            self.wasted.clear()
        else:
            self.wasted.setText(number_text(drawn - administered))

    def build(self) -> p.Payload:
        values = self.values()
        expiry = parse_expiry(self.expiry.text())
        if expiry is None:
            message = self.tr("Vial expiry must be a date like 2027-06-30 or 2027-06.")
            values.problems.append(FieldProblem("expiry", message))
        drawn = values.decimal("drawn_mg", "Drawn")
        administered = values.decimal("administered_mg", "Administered")
        if values.problems:
            values.skip.add("wasted_mg")  # computed from the others: no second message
        payload = p.ControlledSubstance(
            drug=self.drug.text().strip(),
            lot=self.lot.text().strip(),
            expiry=expiry or date.min,
            concentration_mg_ml=values.decimal("concentration_mg_ml", "Concentration"),
            container_ml=values.decimal("container_ml", "Vial size"),
            drawn_mg=drawn,
            administered_mg=administered,
            wasted_mg=drawn - administered,
        )
        record = values.done(payload)
        assert isinstance(record, p.ControlledSubstance)
        check_vial(record, self.ws.now())  # before the witness is asked to sign in
        return record

    def submit(self, submission: Submission) -> EventRecord:
        record = submission.payload
        assert isinstance(record, p.ControlledSubstance)
        witness = self.ask_witness_fn(self, self.ws, witnessed_text(record))
        if witness is None:
            raise KetachartError(self.tr("Not saved: the witness did not sign in."))
        return self.ws.act(
            record_controlled_substance,
            self.session_id,
            record,
            witness,
            occurred_at=submission.occurred_at,
        )
