"""The guard: the detector's figures on the held-out part of the shared data, the part no rule
was cut from and no weight was fitted on (nlp.datasets). Training accuracy is never asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.datasets import held_out, read_examples
from nlp.evaluate import Judge, Report, targets_met
from nlp.rules import load_rules

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared data not beside the repo")


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(load_rules())


def _report(judge: Judge, name: str) -> Report:
    rows = held_out(read_examples(DATA / f"{name}.jsonl"))
    assert len(rows) > 200  # a real sample, not a handful
    return judge.report(rows)


@pytest.mark.parametrize("name", ["real-hotline", "real-chat"])
def test_held_out_figures_meet_the_targets(judge: Judge, name: str) -> None:
    report = _report(judge, name)
    missed = [(f, round(v, 4), op, goal) for f, v, op, goal, met in targets_met(name, report)
              if not met]
    assert not missed, (missed, report.summary())


def test_dev_set_held_out_figures_do_not_fall(judge: Judge) -> None:
    """The dev set's targets (precision 0.95, recall 0.90, category accuracy 0.90, urgent
    recall 1.0) are not met on its held-out part yet (README, Benchmarks); this holds the
    figures reached so that no change makes them worse unnoticed."""
    report = _report(judge, "detector-dev")
    assert report.precision >= 0.85, report.summary()
    assert report.recall >= 0.88, report.summary()
    assert report.category_accuracy >= 0.86, report.summary()
    assert report.urgent_recall >= 0.9, report.summary()
