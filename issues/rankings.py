"""Rankings of supervision rows: best and worst by a rate, with the period's change."""

from __future__ import annotations

from collections.abc import Callable

from issues.supervision_figures import Figures

RANKABLE: dict[str, Callable[[Figures], float | None]] = {
    "resolve_rate": lambda f: f.resolve_rate,
    "ack_rate": lambda f: f.ack_rate,
    "satisfaction_rate": lambda f: f.satisfaction_rate,
}
SAMPLE: dict[str, Callable[[Figures], int]] = {
    "resolve_rate": lambda f: f.resolve_judged,
    "ack_rate": lambda f: f.ack_judged,
    "satisfaction_rate": lambda f: f.rated,
}


def rankings(rows: list[Figures], figure: str = "resolve_rate", n: int = 10,
             min_sample: int = 5) -> tuple[list[Figures], list[Figures]]:
    """Best and worst `n` by a rate, among rows with at least `min_sample` issues (or ratings)
    behind it: two issues make no ranking. Ties go to the larger sample."""
    value, sample = RANKABLE[figure], SAMPLE[figure]
    ranked = [f for f in rows if sample(f) >= min_sample and value(f) is not None]
    best = sorted(ranked, key=lambda f: (-(value(f) or 0), -sample(f), f.name))[:n]
    worst = sorted(ranked, key=lambda f: ((value(f) or 0), -sample(f), f.name))[:n]
    return best, worst


def change(f: Figures, figure: str = "resolve_rate") -> float | None:
    """This period's value less the previous period's, when both exist."""
    now = RANKABLE[figure](f)
    before = RANKABLE[figure](f.previous) if f.previous is not None else None
    return None if now is None or before is None else now - before
