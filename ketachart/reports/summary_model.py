"""The session summary as plain data: a SessionView turned into numbered sections of rows.

Builders for the sections live in care_, observation_, course_ and record_sections; this
module names them in the order a reviewer reads them and adds what every page repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ketachart import __version__
from ketachart.domain import payloads as p
from ketachart.domain.labels import signer_label
from ketachart.domain.timeline import STATUS_LABELS, SessionStatus
from ketachart.reports import care_sections as care
from ketachart.reports import course_sections as course
from ketachart.reports import observation_sections as observation
from ketachart.reports import record_sections as record
from ketachart.reports.blocks import Block, PageHeader, Section, SummaryReport
from ketachart.reports.context import ReportContext, clinic_key_line
from ketachart.services.clinic import ClinicInfo
from ketachart.services.sessions import SessionView

SectionBuilder = Callable[[ReportContext], tuple[Block, ...]]

SECTIONS: tuple[tuple[str, SectionBuilder], ...] = (
    ("Patient and session", care.patient_section),
    ("Pre-session checks and overrides", care.pre_checks_section),
    ("IV, infusion and dose", care.infusion_section),
    ("Vitals", observation.vitals_section),
    ("Sedation, pain and dissociation scores", observation.scores_section),
    ("Side effects, rescue medicines and notes", course.side_effects_section),
    ("Controlled-substance record", course.controlled_substance_section),
    ("Recovery", course.recovery_section),
    ("Discharge and ride home", course.discharge_section),
    ("Alerts and how each was answered", record.alerts_section),
    ("Corrections and late entries", record.corrections_section),
    ("Signatures and addenda", record.signatures_section),
    ("Record integrity", record.integrity_section),
)


def build_summary(
    view: SessionView, clinic: ClinicInfo, now: datetime, *, clinic_key: str | None = None
) -> SummaryReport:
    """The whole summary of one session, as of `now` (the moment it is printed). Every page
    names the clinic key (`clinic_key`, its fingerprint as services.keys.clinic_fingerprint
    reads it with the chart), the key that certifies the keys the signatures were made with."""
    ctx = ReportContext.of(view, now, clinic_key)
    sections = tuple(
        Section(number, title, build(ctx))
        for number, (title, build) in enumerate(SECTIONS, start=1)
    )
    title = f"{view.protocol.drug} infusion: session summary"
    return SummaryReport(title, page_header(ctx, clinic), sections)


def _status_line(ctx: ReportContext) -> str:
    """'Signed <when> by <physician>' once signed, else the status (the draft mark shows)."""
    signature = next(
        (
            e
            for e in ctx.view.events
            if isinstance(e.payload, p.Signature) and not e.payload.addendum_id
        ),
        None,
    )
    if signature is None or ctx.state.status is not SessionStatus.SIGNED:
        return STATUS_LABELS[ctx.state.status]
    assert isinstance(signature.payload, p.Signature)
    when, name = ctx.times.date_time(signature.occurred_at), signer_label(signature.payload)
    return f"Signed {when} by {name} · locked"


def page_header(ctx: ReportContext, clinic: ClinicInfo) -> PageHeader:
    view, status = ctx.view, ctx.state.status
    printed = ctx.times.date_time(ctx.now)
    return PageHeader(
        clinic_name=clinic.name or "Clinic name not set",
        clinic_address=clinic.address,
        patient_name=view.patient.display_name,
        date_of_birth=view.patient.date_of_birth.isoformat(),
        mrn=view.patient.mrn,
        session_date=ctx.times.date(ctx.state.opened_at).isoformat(),
        chair=view.session.chair,
        zone_label=ctx.times.label,
        draft=status is not SessionStatus.SIGNED,
        status=_status_line(ctx),
        footer=f"Session {view.session.id} · printed {printed} · ketachart {__version__}",
        clinic_key=clinic_key_line(ctx.clinic_key),
    )
