"""The review queue benchmark runs (figures are printed by the command, never asserted here),
and its bulk copies of a signed session are sessions the application would derive the same."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from benchmarks import review_queue
from ketachart.models import InfusionSession
from ketachart.services.verify import verify_session_summaries
from ketachart.services.verify_timeline import verify_session_chain
from tests.storage.helpers import sign
from tests.support import Clinic, chart_to_discharged


@pytest.mark.slow
def test_review_queue_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert review_queue.main(["--sizes", "60", "80"]) == 0
    out = capsys.readouterr().out
    assert "Review queue, 50 sessions waiting" in out
    assert "growth 60 → 80 sessions" in out


def test_copied_sessions_have_intact_chains_and_true_summaries(clinic: Clinic) -> None:
    template = clinic.open_session()
    chart_to_discharged(clinic, template)
    sign(clinic, template)
    review_queue.copy_signed(clinic, template, 3)
    with clinic.db.reading() as tx:
        copies = [s for s in tx.orm.scalars(select(InfusionSession.id)) if s != template]
        assert len(copies) == 3
        for session_id in copies:
            assert verify_session_chain(tx, session_id) == []
        assert verify_session_summaries(tx) == []
