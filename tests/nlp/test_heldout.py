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


def _figures(report: Report) -> dict[str, float]:
    """The report's figures alone: a failing assertion shows these, never a held-out message
    (pytest would print the whole report, misses and all, and a reader could then write a
    rule from what it read)."""
    return {k: v for k, v in report.summary().items() if isinstance(v, (int, float))}


@pytest.mark.parametrize("name", ["real-hotline", "real-chat"])
def test_held_out_figures_meet_the_targets(judge: Judge, name: str) -> None:
    report = _report(judge, name)
    missed = [(f, round(v, 4), op, goal) for f, v, op, goal, met in targets_met(name, report)
              if not met]
    assert not missed, (missed, _figures(report))


def test_dev_set_held_out_figures(judge: Judge) -> None:
    """The dev set's held-out part: category accuracy meets its target (0.90); precision
    (target 0.95), recall (0.90) and urgent recall (1.0) do not yet (README, Benchmarks), so
    they are held where they stand and no change makes them worse unnoticed."""
    figures = _figures(_report(judge, "detector-dev"))
    assert figures["category_accuracy"] >= 0.90, figures  # the target
    assert figures["precision"] >= 0.90, figures
    assert figures["recall"] >= 0.88, figures
    assert figures["urgent_recall"] >= 0.9, figures
