"""The guard: the detector's figures on the held-out part of the shared data, the part no rule
was cut from and no weight was fitted on (nlp.datasets). Training accuracy is never asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.datasets import held_out, read_examples
from nlp.evaluate import TARGETS, Judge, targets_met
from nlp.rules import load_rules

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(load_rules())


@pytest.mark.skipif(not DATA.exists(), reason="shared data not beside the repo")
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_held_out_figures_meet_the_targets(judge: Judge, name: str) -> None:
    rows = held_out(read_examples(DATA / f"{name}.jsonl"))
    assert len(rows) > 200  # a real sample, not a handful
    report = judge.report(rows)
    missed = [(f, round(v, 4), op, goal) for f, v, op, goal, met in targets_met(name, report)
              if not met]
    assert not missed, (missed, report.summary())
