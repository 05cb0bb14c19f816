"""The physician's review screen (issue 4): the queue oldest first with what needs attention,
the summary the PDF prints, signing with the password again, addenda, export and print."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import answered
from ketachart.domain.events import EventKind, Override
from ketachart.domain.timeline import SessionStatus, latest_version_id
from ketachart.domain.vocab import AlertResponse, Role
from ketachart.errors import AcknowledgementRequired, PermissionDenied, SessionLocked
from ketachart.models import AuditEntry
from ketachart.reports.blocks import TableBlock, cell_text
from ketachart.services import charting, corrections, patients, sessions, signing, users
from ketachart.services.sessions import load_session
from ketachart.services.sign_in import REFUSED_MESSAGE
from ketachart.services.users import new_password
from ketachart.storage.database import open_database
from ketachart.ui import export_actions
from ketachart.ui.main_window import MainWindow
from ketachart.ui.notice import NoticeKind
from ketachart.ui.review_view import (
    FLAGS,
    NOTHING_FLAGGED,
    ONLY_PHYSICIANS,
    SIGNED_NOTHING_WAITING,
    ReviewView,
)
from ketachart.ui.row_model import LINE_SEPARATOR, NameLineDelegate
from ketachart.ui.signing_dialogs import AddendumDialog, PasswordDialog
from ketachart.ui.summary_html import summary_html
from ketachart.ui.theme import BASE_POINT_SIZE, apply_theme
from ketachart.ui.timeline_model import DETAILS, KIND, NEW_BACKGROUND
from ketachart.ui.workstation import Workstation
from tests.reports import charted
from tests.reports.conftest import page_texts
from tests.support import PASSWORDS, Clinic, chart_to_discharged

WEIGHT_REASON = "Weighed in winter boots"
SMALL_SCREEN = (1366, 768)


@pytest.fixture
def sessions_to_review(ui_clinic: Clinic) -> tuple[str, str]:
    """An older session with a bit of everything, then a newer one with an override."""
    charted.set_clinic(ui_clinic)
    older = charted.typical_session(ui_clinic, sign=False)
    ui_clinic.later(30)
    newer = discharged_with_override(ui_clinic)
    ui_clinic.later(5)
    ui_clinic.open_session(weight="80")  # still open: not for review
    return older, newer


def discharged_with_override(clinic: Clinic) -> str:
    loaded = clinic.act(
        sessions.open_session,
        clinic.nurse,
        clinic.patient.id,
        clinic.protocols[0].id,
        "Chair 2",
        Decimal("80"),
        (Override("weight.change", WEIGHT_REASON),),
    )
    chart_to_discharged(clinic, loaded.row.id, with_vitals=True)
    return loaded.row.id


def review(qtbot: QtBot, ws: Workstation, clinic: Clinic, *, physician: bool = True) -> ReviewView:
    if physician:
        ws.set_actor(clinic.physician)
    view = ReviewView(ws)
    qtbot.addWidget(view)
    view.resize(1366, 720)
    view.show()
    return view


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def shown_text(view: ReviewView) -> str:
    return words(view.browser.toPlainText())


def status(clinic: Clinic, session_id: str) -> SessionStatus:
    return clinic.state(session_id).status  # type: ignore[no-any-return]


def queued(view: ReviewView) -> list[str]:
    return [row.session_id for row in view.model.rows()]


def answer(dialog: PasswordDialog | AddendumDialog | None, text: str) -> PasswordDialog:
    """Type into the open prompt and press its OK button, as the user would."""
    assert dialog is not None
    assert dialog.isVisible()
    if isinstance(dialog, PasswordDialog):
        dialog.password.setText(text)
    else:
        dialog.text.setPlainText(text)
    dialog.accept()
    return dialog  # type: ignore[return-value]


def audits(clinic: Clinic, action: str) -> list[tuple[str, str, str]]:
    with clinic.db.reading() as tx:
        query = select(AuditEntry).where(AuditEntry.action == action)
        return [(a.username, a.target_id, a.detail) for a in tx.orm.scalars(query)]


def test_the_queue_lists_discharged_sessions_oldest_first_with_flags(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, newer = sessions_to_review
    ui_clinic.act(
        signing.attest,
        ui_clinic.nurse,
        newer,
        ui_clinic.proof(ui_clinic.nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=ui_clinic.seen(newer),
    )
    view = review(qtbot, ws, ui_clinic)
    assert queued(view) == [older, newer]
    model = view.model
    older_flags = model.index(0, FLAGS).data()
    for flag in ("1 override", "1 alert", "1 correction", "1 late entry"):
        assert flag in older_flags
    assert "not attested" in older_flags
    assert model.index(1, FLAGS).data() == "1 override"  # attested: nothing else
    assert model.index(0, FLAGS).data(role=1) is not None  # an icon, not colour only
    assert "Łukasiewicz, Zoë" in model.index(0, 0).data()
    assert "MRN MRN-0001" in model.index(0, 0).data()
    assert "2 waiting" in view.title.text()


def test_a_clean_attested_session_says_nothing_is_flagged(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    chart_to_discharged(ui_clinic, session_id, with_vitals=True)
    ui_clinic.act(
        signing.attest,
        ui_clinic.nurse,
        session_id,
        ui_clinic.proof(ui_clinic.nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=ui_clinic.seen(session_id),
    )
    view = review(qtbot, ws, ui_clinic)
    assert view.model.index(0, FLAGS).data() == NOTHING_FLAGGED


def test_the_summary_shows_what_the_pdf_prints(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    sessions_to_review: tuple[str, str],
    tmp_path: Path,
) -> None:
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    assert view.select_session(older)
    assert view.current is not None
    assert view.current.view.session.id == older
    text = shown_text(view)
    for expected in (
        "Lakeside Ketamine Clinic",
        "Łukasiewicz, Zoë",
        "DOB 1980-02-03",
        "MRN MRN-0001",
        "DRAFT — NOT SIGNED",
        "Delivered dose 31.3 mg (0.45 mg/kg)",
        "Jürgen Weiß (spouse)",
        "Not signed.",
    ):
        assert expected in text, expected
    report = view.current.report
    for section in report.sections:
        assert f"{section.number}. {section.title}" in text
        for block in section.blocks:
            if isinstance(block, TableBlock):
                for row in block.rows:
                    for cell in row:
                        assert words(cell_text(cell)) in text, cell
    html = summary_html(report).html
    assert "<s>14:31 BP 150/92, HR 88, RR 14, SpO2 69 %" in html
    assert len(view.browser.charts) == 1  # the vitals chart, as on paper
    assert view.timeline.rowCount() == len(view.current.view.events)

    view.pdf.ask_save_path = lambda _parent, _suggested: str(tmp_path / "same.pdf")
    view.export()
    printed = words(" ".join(page_texts(tmp_path / "same.pdf")))
    for expected in ("Lakeside Ketamine Clinic", "31.3 mg (0.45 mg/kg)", "Jürgen Weiß"):
        assert expected in printed


def test_signing_with_the_password_signs_and_the_session_leaves_the_queue(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, newer = sessions_to_review
    ui_clinic.act(
        signing.attest,
        ui_clinic.nurse,
        older,
        ui_clinic.proof(ui_clinic.nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=ui_clinic.seen(older),
    )
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    assert view.sign_button.isEnabled()
    dialog = answer(view.sign(), PASSWORDS["drm"])
    assert dialog.result() == PasswordDialog.DialogCode.Accepted
    assert status(ui_clinic, older) is SessionStatus.SIGNED
    assert queued(view) == [newer]
    assert view.notice.text().startswith("Signed as reviewed and approved.")
    assert view.notice.kind() is NoticeKind.SUCCESS
    assert not view.sign_button.isEnabled()
    text = shown_text(view)
    assert "DRAFT" not in text
    assert "Signed 2026-03-10" in text
    signature = view.current.view.events[-1] if view.current else None
    assert signature is not None
    assert isinstance(signature.payload, p.Signature)
    for expected in (
        "Authored by Nina Øster, RN",
        "Reviewed and approved María Núñez, MD",
        signature.payload.content_hash,
    ):
        assert expected in text
    with pytest.raises(SessionLocked):
        ui_clinic.act(charting.chart, ui_clinic.nurse, older, p.Note("after signing"))


def test_a_physician_without_credentials_shows_as_signed_by_name_alone(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, _newer = sessions_to_review
    blank = ui_clinic.act(
        users.create_user,
        ui_clinic.admin,
        "blank",
        "Dr Blank",
        " ",
        Role.PHYSICIAN,
        new_password("quiet-orchard-71"),
        clinic_key=ui_clinic.clinic_key,
    )
    ui_clinic.act(
        signing.attest,
        ui_clinic.nurse,
        older,
        ui_clinic.proof(ui_clinic.nurse, PASSWORDS["nina"], signing.ATTEST_PURPOSE),
        seen_head=ui_clinic.seen(older),
    )
    assert blank.signature_name == "Dr Blank"
    ws.set_actor(blank)
    view = review(qtbot, ws, ui_clinic, physician=False)
    view.select_session(older)
    assert answer(view.sign(), "quiet-orchard-71").result() == PasswordDialog.DialogCode.Accepted
    text = shown_text(view)
    assert re.search(r"Signed 2026-03-10 \d\d:\d\d by Dr Blank · locked", text), text[:300]
    assert "Dr Blank," not in text
    assert "Reviewed and approved Dr Blank 2026-03-10" in text


def test_a_wrong_password_signs_nothing(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    dialog = answer(view.sign(), "not-my-password")
    assert dialog.isVisible()
    assert dialog.message.text() == REFUSED_MESSAGE
    assert dialog.password.text() == ""
    assert status(ui_clinic, older) is SessionStatus.DISCHARGED
    assert audits(ui_clinic, "sign.failed") == [
        ("drm", str(ui_clinic.physician.id), "wrong password, attempt 1")
    ]
    dialog.reject()
    assert queued(view) == [older, newer]
    assert view.prompt is None
    assert not any(e.kind is EventKind.SIGNATURE for e in view.current.view.events)  # type: ignore[union-attr]


def test_a_nurse_can_read_but_not_sign(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic, physician=False)
    assert view.select_session(older)
    assert "Łukasiewicz, Zoë" in shown_text(view)
    assert not view.sign_button.isEnabled()
    assert view.sign_button.toolTip() == ONLY_PHYSICIANS
    assert "only physicians sign" in view.role_note.text()
    assert view.sign() is None
    assert view.prompt is None
    with pytest.raises(PermissionDenied):
        ui_clinic.act(
            signing.sign_session,
            ui_clinic.nurse,
            older,
            ui_clinic.proof(ui_clinic.nurse, PASSWORDS["nina"], signing.SIGN_PURPOSE),
            seen_head=ui_clinic.seen(older),
        )
    assert status(ui_clinic, older) is SessionStatus.DISCHARGED
    assert view.addendum_button.isEnabled()


def test_an_addendum_after_signing_and_its_own_signature(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    answer(view.sign(), PASSWORDS["drm"])
    assert not view.sign_addendum_button.isEnabled()
    ui_clinic.later(60)
    empty = view.add_addendum()
    assert isinstance(empty, AddendumDialog)
    empty.accept()
    assert empty.message.text() == "Type the addendum first."
    answer(empty, "Phone follow-up: slept well, no nausea.")
    assert not empty.isVisible()
    assert queued(view) == [older, newer]  # back (by its discharge), with an addendum to sign
    assert view.model.index(0, FLAGS).data() == "Signed; 1 addendum to sign"
    assert "2 waiting for a physician's signature" in view.title.text()
    assert "Not yet signed" in shown_text(view)
    dialog = view.sign_addendum()
    assert dialog is not None
    assert "Phone follow-up: slept well, no nausea." in dialog.explanation.text()
    answer(dialog, PASSWORDS["drm"])
    assert not dialog.isVisible()
    assert queued(view) == [newer]
    assert "Addendum reviewed and approved: María Núñez, MD" in shown_text(view)
    assert not view.sign_addendum_button.isEnabled()


def test_export_writes_the_pdf_and_audits_it(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    sessions_to_review: tuple[str, str],
    tmp_path: Path,
) -> None:
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    suggested: list[str] = []

    def save_as(_parent: object, proposal: str) -> str:
        suggested.append(proposal)
        return str(tmp_path / "for-the-gp")

    view.pdf.ask_save_path = save_as
    outcome = view.export()
    target = tmp_path / "for-the-gp.pdf"
    assert outcome is not None
    assert outcome.ok, outcome
    assert Path(suggested[0]).name == "MRN-0001-2026-03-10-summary.pdf"
    assert str(target) in view.notice.text()
    assert "DRAFT — NOT SIGNED" in view.notice.text()
    assert view.notice.kind() is NoticeKind.SUCCESS
    assert "MRN-0001" in " ".join(page_texts(target))
    [(user, session_id, detail)] = audits(ui_clinic, "export.pdf")
    assert (user, session_id) == ("drm", older)
    assert "MRN-0001" not in detail
    assert ws.settings.value(export_actions.FOLDER_SETTING) == str(tmp_path)
    view.pdf.ask_save_path = lambda _parent, _proposal: None
    assert view.export() is None  # cancelled: nothing written, nothing said


@dataclass
class FakeLp:
    """Stands in for CUPS: records each command and what the file held when it was sent."""

    returncode: int = 0
    stderr: str = ""
    missing: bool = False

    def __post_init__(self) -> None:
        self.commands: list[list[str]] = []
        self.sent: list[bytes] = []

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if self.missing:
            raise FileNotFoundError(2, "No such file or directory", "lp")
        assert kwargs.get("shell") is not True
        self.commands.append(command)
        self.sent.append(Path(command[-1]).read_bytes())
        out = "request id is Front_Desk-7 (1 file(s))" if self.returncode == 0 else ""
        return subprocess.CompletedProcess(command, self.returncode, out, self.stderr)


def test_print_sends_the_pdf_to_the_chosen_printer_and_audits_it(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    lp = FakeLp()
    view.pdf.ask_printer = lambda _parent: "Front_Desk"
    view.pdf.run = lp
    outcome = view.print_summary()
    assert outcome is not None
    assert outcome.ok, outcome
    [command] = lp.commands
    assert command[:3] == ["lp", "-d", "Front_Desk"]
    assert len(command) == 4
    assert command[3].endswith(".pdf")
    assert lp.sent[0].startswith(b"%PDF-")
    assert not Path(command[3]).exists()  # the temporary copy is gone
    assert "to the printer Front_Desk" in view.notice.text()
    [(user, session_id, detail)] = audits(ui_clinic, "export.print")
    assert (user, session_id) == ("drm", older)
    assert detail.startswith("printer=Front_Desk pages=")


@pytest.mark.parametrize(
    ("lp", "said"),
    [
        (FakeLp(missing=True), "No printing system is installed"),
        (FakeLp(1, "lp: The printer or class does not exist."), "does not exist"),
    ],
)
def test_a_failed_print_says_why_and_is_audited_as_failed(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    sessions_to_review: tuple[str, str],
    lp: FakeLp,
    said: str,
) -> None:
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    view.pdf.ask_printer = lambda _parent: "Front_Desk"
    view.pdf.run = lp
    outcome = view.print_summary()
    assert outcome is not None
    assert not outcome.ok
    assert said in outcome.text
    assert view.notice.text().startswith("Not printed:")
    assert view.notice.kind() is NoticeKind.ERROR
    # audited before the spooler had it (a page cannot be taken back), then as refused
    [(user, session_id, _detail)] = audits(ui_clinic, "export.print")
    assert audits(ui_clinic, "export.print.failed") == [(user, session_id, "printer=Front_Desk")]


def test_without_a_printing_system_print_says_so(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    sessions_to_review: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    monkeypatch.setattr("ketachart.ui.export_actions.shutil.which", lambda _name: None)
    outcome = view.print_summary()  # the real question: it never opens a dialog
    assert outcome is not None
    assert not outcome.ok
    assert "No printing system is installed on this computer" in outcome.text
    assert audits(ui_clinic, "export.print") == []


def test_another_user_logging_in_clears_the_session_shown(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    prompt = view.sign()
    assert prompt is not None
    ws.set_actor(ui_clinic.nurse2)
    assert view.current is None
    assert not prompt.isVisible()
    assert "Łukasiewicz" not in shown_text(view)
    assert not view.export_button.isEnabled()


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    font, sheet = qapp.font(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


def test_the_review_screen_fits_a_small_screen(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    sessions_to_review: tuple[str, str],
    themed: None,
    tmp_path: Path,
) -> None:
    """Rendered at 1366x768 with a session selected; KETACHART_SCREENSHOTS=docs/screenshots
    keeps the picture as review.png."""
    older, _newer = sessions_to_review
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(*SMALL_SCREEN)
    window.start_shift(ui_clinic.physician)  # as the application does: before showing it
    window.show()
    view = window.show_review()
    view.select_session(older)
    qtbot.waitExposed(window)
    # never larger than the screen (offscreen's is 800x800; test_geometry emulates real ones)
    screen = window.screen().availableGeometry().size()
    assert window.width() <= SMALL_SCREEN[0]
    assert window.height() <= SMALL_SCREEN[1]
    assert window.frameGeometry().width() <= screen.width()
    assert window.minimumSizeHint().height() <= SMALL_SCREEN[1]
    buttons = [view.sign_button, view.addendum_button, view.export_button, view.print_button]
    for button in buttons:
        assert button.isVisible()
        assert button.width() >= button.sizeHint().width(), button.text()
        bottom = button.mapTo(window, button.rect().bottomLeft()).y()
        assert bottom < SMALL_SCREEN[1], button.text()
    assert view.browser.font().pointSizeF() >= BASE_POINT_SIZE
    folder = Path(os.environ.get("KETACHART_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(folder / "review.png"))


def test_a_signed_session_can_be_found_again_to_add_an_addendum(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    older, newer = sessions_to_review
    ui_clinic.act(
        signing.sign_session,
        ui_clinic.physician,
        older,
        ui_clinic.proof(ui_clinic.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE),
        seen_head=ui_clinic.seen(older),
    )
    view = review(qtbot, ws, ui_clinic)
    assert queued(view) == [newer]
    assert view.title.text().startswith("Review queue — 1 waiting")
    view.include_signed.setChecked(True)
    assert queued(view) == [older, newer]
    # listed on request, a signed session is not waiting for anything, and says so
    assert view.model.index(0, FLAGS).data() == SIGNED_NOTHING_WAITING
    assert view.title.text() == (
        "Review queue — 1 waiting for a physician's signature, oldest first · 1 signed also listed"
    )
    ok_icon = view.model.index(0, FLAGS).data(Qt.ItemDataRole.DecorationRole)
    warning_icon = view.model.index(1, FLAGS).data(Qt.ItemDataRole.DecorationRole)
    assert ok_icon.cacheKey() != warning_icon.cacheKey()  # the tick, not the warning sign
    view.select_session(older)
    answer(view.add_addendum(), "Patient phoned the next day: sleeping well, no nausea.")
    assert view.sign_addendum_button.isEnabled()
    assert view.model.index(0, FLAGS).data() == "Signed; 1 addendum to sign"
    assert view.title.text().startswith("Review queue — 2 waiting")
    view.include_signed.setChecked(False)
    assert older in queued(view)


def test_a_long_name_takes_one_line_of_the_queue_and_the_mrn_stays_whole(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    family, given = "W" * 70 + "-Featherstonehaugh", "Maximiliana Theodora Ngozi-Ann"
    details = patients.PatientDetails("MRN-2026-000417", family, given, date(1979, 4, 1), "female")
    patient = ui_clinic.act(patients.register_patient, ui_clinic.nurse, details)
    loaded = ui_clinic.act(
        sessions.open_session,
        ui_clinic.nurse,
        patient.id,
        ui_clinic.protocols[0].id,
        "Chair 6",
        Decimal("70"),
    )
    chart_to_discharged(ui_clinic, loaded.row.id)
    view = review(qtbot, ws, ui_clinic)
    index = view.model.index(0, 0)
    delegate = view.table.itemDelegateForColumn(0)
    assert isinstance(delegate, NameLineDelegate)
    option = QStyleOptionViewItem()
    option.initFrom(view.table)
    option.rect = QRect(0, 0, 240, 100)
    delegate.initStyleOption(option, index)
    name, identity, protocol = option.text.split(LINE_SEPARATOR)
    assert name.endswith("…")
    assert option.fontMetrics.horizontalAdvance(name) <= 240
    assert identity == "MRN MRN-2026-000417 · DOB 1979-04-01"  # whole (it may wrap)
    assert protocol == ui_clinic.protocols[0].spec.name
    assert view.table.rowHeight(0) < option.fontMetrics.lineSpacing() * 8


def correct_spo2_on_another_workstation(clinic: Clinic, url: str, session_id: str) -> str:
    """Another nurse, at another workstation (its own Database object on the same file),
    corrects the session's last vitals to SpO2 85 and acknowledges the alert; the entry's id."""
    other = open_database(url, clinic.clock)
    try:
        with other.reading() as tx:
            events = load_session(tx, session_id).events
        target = [e for e in events if e.kind is EventKind.VITALS][-1]
        assert isinstance(target.payload, p.Vitals)
        fixed: p.Payload = replace(target.payload, spo2=85)
        seen = latest_version_id(events, target.id)

        def save(replacement: p.Payload) -> str:
            with other.transaction() as tx:
                return corrections.correct_entry(
                    tx,
                    clinic.nurse2,
                    session_id,
                    target.id,
                    "misread",
                    replacement,
                    seen_version=seen,
                ).id

        try:
            return save(fixed)
        except AcknowledgementRequired as needed:  # as the nurse does: the alerts answered
            return save(answered(fixed, needed.codes, (AlertResponse.OXYGEN,)))
    finally:
        other.dispose()


def test_a_correction_made_elsewhere_during_review_is_shown_before_signing(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    sessions_to_review: tuple[str, str],
    sqlite_url: str,
) -> None:
    """Issue 13, sign what was seen: the physician opens a session, another workstation adds
    a correction, and Sign is refused with the new entry shown; signing again signs it."""
    older, _newer = sessions_to_review
    view = review(qtbot, ws, ui_clinic)
    view.select_session(older)
    shown = len(view.current.view.events)  # type: ignore[union-attr]
    correction_id = correct_spo2_on_another_workstation(ui_clinic, sqlite_url, older)
    signatures_before = audits(ui_clinic, "sign")

    dialog = answer(view.sign(), PASSWORDS["drm"])

    assert not dialog.isVisible()
    assert dialog.result() == PasswordDialog.DialogCode.Rejected
    assert status(ui_clinic, older) is SessionStatus.DISCHARGED
    assert audits(ui_clinic, "sign") == signatures_before  # nothing written
    assert view.notice.kind() is NoticeKind.WARNING
    assert view.notice.text() == (
        "Not signed: the chart changed after you opened it (1 new entry: correction). "
        "Review it, then sign again."
    )
    assert view.current is not None
    assert len(view.current.view.events) == shown + 1
    assert view.tabs.currentWidget() is view.timeline_view
    marked = [row.event_id for row in view.timeline.rows() if row.new]
    assert marked == [correction_id]
    row = view.timeline.row_of(correction_id)
    assert row is not None
    kind = view.timeline.index(row, KIND)
    assert kind.data() == "NEW · Correction"
    brush = kind.data(Qt.ItemDataRole.BackgroundRole)
    assert brush.color().name() == NEW_BACKGROUND
    assert view.timeline_view.selected_event_id() is None  # the marking shows, not a selection
    assert view.timeline_view.rowAt(view.timeline_view.visualRect(kind).center().y()) == row
    assert "SpO2 85" in kind.siblingAtColumn(DETAILS).data()
    assert view.sign_button.isEnabled()

    again = answer(view.sign(), PASSWORDS["drm"])
    assert again.result() == PasswordDialog.DialogCode.Accepted
    assert status(ui_clinic, older) is SessionStatus.SIGNED
    signature = view.current.view.events[-1]
    assert isinstance(signature.payload, p.Signature)
    assert signature.payload.head_seq == signature.seq - 1
    assert view.current.view.events[-2].id == correction_id
    assert not any(row.new for row in view.timeline.rows())


def test_a_signed_summary_on_screen_shows_the_patient_as_signed(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sessions_to_review: tuple[str, str]
) -> None:
    """Edited after signing: the screen's summary, like the PDF, keeps the details the
    session was signed with and notes the change (services.patients.patient_for_chart)."""
    older, _newer = sessions_to_review
    ui_clinic.act(
        signing.sign_session,
        ui_clinic.physician,
        older,
        ui_clinic.proof(ui_clinic.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE),
        seen_head=ui_clinic.seen(older),
    )
    ui_clinic.later(60)
    edited = replace(ui_clinic.patient.details(), allergies="Latex", date_of_birth=date(1981, 3, 4))
    ui_clinic.act(patients.update_patient, ui_clinic.nurse, ui_clinic.patient.id, edited)
    view = review(qtbot, ws, ui_clinic)
    view.include_signed.setChecked(True)
    assert view.select_session(older)
    text = shown_text(view)
    assert "DOB 1980-02-03" in text
    assert "Penicillin" in text
    assert "Latex" not in text
    assert "Patient details changed after signing on " in text
    assert "by Nina Øster, RN: allergies, date of birth." in text
