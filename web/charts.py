"""Charts drawn on the server as SVG: no CDN, no JavaScript, crisp when printed.

Every mark is a link to the ledger filtered to what it counts (a day, a category).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from web.palette import FAMILIES, family_of

RECEIVED, RESOLVED = "#1d5fbf", "#1e7a3c"
AXIS = "#5b6775"  # 5.9:1 on white


def trend(days: list[tuple[str, int, int]], link: Callable[[str], str],
          width: int = 640, height: int = 220) -> str:
    """Issues received and resolved per day, as two polylines; each day links to the ledger
    of the issues received that day."""
    pad_l, pad_r, pad_b, pad_t = 36, 24, 28, 14
    peak = max([0] + [max(r, d) for _, r, d in days])
    top = max(4, -(-peak // 4) * 4)  # a multiple of 4, so the five grid labels are whole
    n = max(1, len(days) - 1)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_b - pad_t

    def point(i: int, v: int) -> tuple[float, float]:
        return pad_l + plot_w * i / n, pad_t + plot_h * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="group" '
             f'aria-label="近{len(days)}天每日收到与办结" xmlns="http://www.w3.org/2000/svg">']
    for k in range(5):
        y = pad_t + plot_h * k / 4
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" '
                     f'stroke="#e3e8ee"/>')
        parts.append(f'<text x="{pad_l - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="{AXIS}">{top * (4 - k) // 4}</text>')
    for idx, (label, color) in enumerate((("收到", RECEIVED), ("办结", RESOLVED))):
        pts = [point(i, (r, d)[idx]) for i, (_, r, d) in enumerate(days)]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in pts]
        parts.append(f'<text x="{pad_l + 10 + idx * 60}" y="{height - 4}" font-size="12" '
                     f'fill="{color}">● {label}</text>')
    step = max(1, len(days) // 7)
    last = len(days) - 1
    for i, (d, received, resolved) in enumerate(days):
        x, _ = point(i, 0)
        # A transparent column per day: the whole height is the click target.
        parts.append(f'<a href="{escape(link(d))}"><title>{escape(d)}：收到 {received}，'
                     f'办结 {resolved}</title><rect class="hit" x="{x - plot_w / n / 2:.1f}" '
                     f'y="{pad_t}" width="{plot_w / n:.1f}" height="{plot_h}" '
                     f'fill="transparent"/></a>')
        if (last - i) % step == 0:
            # Counted back from today, so today is always labelled; it ends at its point
            # (and the first starts at its own): neither is clipped.
            anchor = "end" if i == last else "start" if i == 0 else "middle"
            parts.append(f'<text x="{x:.1f}" y="{height - pad_b + 14}" font-size="11" '
                         f'text-anchor="{anchor}" fill="{AXIS}">{escape(d[5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(items: list[tuple[str, str, int]], link: Callable[[str], str],
         width: int = 640, row: int = 26) -> str:
    """Horizontal bars of (category code, name, count), coloured by the category's family,
    with the families' legend below."""
    if not items:
        return '<p class="muted">暂无数据</p>'
    top = max(v for _, _, v in items) or 1
    legend_h = 26
    height = row * len(items) + 8 + legend_h
    label_w = 110
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="group" '
             f'aria-label="按类别统计" xmlns="http://www.w3.org/2000/svg">']
    for i, (code, label, value) in enumerate(items):
        y = 4 + i * row
        w = max(2.0, (width - label_w - 50) * value / top)
        fam = family_of(code)
        parts.append(f'<a href="{escape(link(code))}"><title>{escape(label)}（{fam.name}）：'
                     f'{value} 件</title>'
                     f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13" '
                     f'fill="#1f2a37">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" '
                     f'rx="4" fill="{fam.color}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12" '
                     f'fill="#1f2a37">{value}</text></a>')
    x, y = label_w, height - 8
    for fam in FAMILIES.values():
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" rx="2" '
                     f'fill="{fam.color}"/><text x="{x + 16}" y="{y}" font-size="12" '
                     f'fill="{AXIS}">{fam.name}</text>')
        x += 64
    parts.append("</svg>")
    return "".join(parts)
