"""Charts drawn on the server as SVG: no CDN, no JavaScript, crisp on a wall screen."""

from __future__ import annotations

from html import escape

COLORS = ("#2f80ed", "#27ae60", "#f2994a", "#eb5757", "#9b51e0", "#56ccf2", "#6fcf97")


def trend(days: list[tuple[str, int, int]], width: int = 640, height: int = 220) -> str:
    """Issues received and resolved per day, as two polylines with dots."""
    pad_l, pad_b, pad_t = 36, 28, 14
    peak = max([0] + [max(r, d) for _, r, d in days])
    top = max(4, -(-peak // 4) * 4)  # a multiple of 4, so the five grid labels are whole
    n = max(1, len(days) - 1)
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t

    def point(i: int, v: int) -> tuple[float, float]:
        return pad_l + plot_w * i / n, pad_t + plot_h * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="每日诉求趋势" xmlns="http://www.w3.org/2000/svg">']
    for k in range(5):
        y = pad_t + plot_h * k / 4
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
                     f'stroke="#e3e8ee"/>')
        parts.append(f'<text x="{pad_l - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#7a8794">{top * (4 - k) // 4}</text>')
    for idx, (label, color) in enumerate((("收到", COLORS[0]), ("办结", COLORS[1]))):
        pts = [point(i, row[1 + idx]) for i, row in enumerate(days)]
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in pts]
        parts.append(f'<text x="{pad_l + 10 + idx * 60}" y="{height - 4}" font-size="12" '
                     f'fill="{color}">● {label}</text>')
    step = max(1, len(days) // 7)
    for i, (d, _, _) in enumerate(days):
        if i % step == 0 or i == len(days) - 1:
            x, _ = point(i, 0)
            parts.append(f'<text x="{x:.1f}" y="{height - pad_b + 14}" font-size="11" '
                         f'text-anchor="middle" fill="#7a8794">{escape(d[5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(items: list[tuple[str, int]], width: int = 640, row: int = 26) -> str:
    """Horizontal bars, e.g. issues by category."""
    if not items:
        return '<p class="muted">暂无数据</p>'
    top = max(v for _, v in items) or 1
    height = row * len(items) + 8
    label_w = 110
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="分类统计" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - 50) * value / top
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13" '
                     f'fill="#1f2a37">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" '
                     f'rx="4" fill="{COLORS[i % len(COLORS)]}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12" '
                     f'fill="#4a5663">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)
