"""Small inline SVG charts rendered on the server (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

OUTCOME_COLOURS: dict[str, str] = {
    "resolved": "#2e7d32", "transferred": "#1565c0", "callback": "#f9a825", "abandoned": "#c62828",
    "emergency": "#6a1b9a", "failed": "#757575",
}


def bar_chart(points: Sequence[tuple[str, int]], *, width: int = 560, height: int = 180, title: str = "") -> str:
    """Vertical bars (e.g. calls per hour); ``points`` are ``(label, value)``."""
    pad_l, pad_b, pad_t = 28, 22, 8
    inner_w, inner_h = width - pad_l - 4, height - pad_b - pad_t
    top = max((v for _, v in points), default=0) or 1
    n = max(len(points), 1)
    slot = inner_w / n
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - 4}" y2="{pad_t + inner_h}" stroke="#999"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end" font-size="10">{top}</text>',
    ]
    for i, (label, value) in enumerate(points):
        h = inner_h * value / top
        x = pad_l + i * slot + slot * 0.15
        y = pad_t + inner_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#1565c0">'
            f"<title>{escape(label)} : {value}</title></rect>"
        )
        if n <= 24:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - 6}" text-anchor="middle" font-size="10">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    rows: Mapping[str, Mapping[str, int]],
    labels: Mapping[str, str],
    *,
    width: int = 560,
    title: str = "",
) -> str:
    """One horizontal stacked bar per row (e.g. outcomes per service), with a legend."""
    row_h, label_w, legend_h = 22, 150, 24
    height = legend_h + row_h * max(len(rows), 1) + 4
    top = max((sum(r.values()) for r in rows.values()), default=0) or 1
    inner_w = width - label_w - 40
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    x = 0
    for key, colour in OUTCOME_COLOURS.items():
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 13}" y="13" font-size="10">{escape(labels.get(key, key))}</text>')
        x += 92
    for i, (name, counts) in enumerate(sorted(rows.items(), key=lambda kv: -sum(kv[1].values()))):
        y = legend_h + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="11">'
                     f"{escape(labels.get(name, name))}</text>")
        offset = float(label_w)
        for key, colour in OUTCOME_COLOURS.items():
            value = counts.get(key, 0)
            if not value:
                continue
            w = inner_w * value / top
            parts.append(f'<rect x="{offset:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                         f'fill="{colour}"><title>{escape(labels.get(key, key))} : {value}</title></rect>')
            offset += w
        parts.append(f'<text x="{offset + 4:.1f}" y="{y + 14}" font-size="11">{sum(counts.values())}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    colours: Mapping[str, str],
    *,
    width: int = 560,
    height: int = 200,
    title: str = "",
) -> str:
    """One polyline per series over the same days (e.g. calls, first level, unanswered), with a legend."""
    pad_l, pad_b, pad_t, legend_h = 28, 22, 8, 18
    inner_w, inner_h = width - pad_l - 8, height - pad_b - pad_t - legend_h
    top = max((v for vs in series.values() for v in vs), default=0) or 1
    n = max(len(labels), 1)
    step = inner_w / max(n - 1, 1)
    base = pad_t + legend_h + inner_h
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{pad_l}" y1="{base}" x2="{width - 8}" y2="{base}" stroke="#999"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + legend_h + 8}" text-anchor="end" font-size="10">{top:g}</text>',
    ]
    x = pad_l
    for name in series:
        colour = colours.get(name, "#1565c0")
        parts.append(f'<rect x="{x}" y="{pad_t}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 13}" y="{pad_t + 9}" font-size="10">{escape(name)}</text>')
        x += 14 + 7 * len(name) + 16
    for name, values in series.items():
        colour = colours.get(name, "#1565c0")
        pts = [(pad_l + i * step, base - inner_h * v / top) for i, v in enumerate(values)]
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (px, py), label, v in zip(pts, labels, values, strict=False):
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}">'
                         f"<title>{escape(label)} — {escape(name)} : {v:g}</title></circle>")
    every = max(1, n // 10)
    for i, label in enumerate(labels):
        last = i == n - 1
        if (i % every == 0 and (last or n - 1 - i >= every)) or last:
            anchor = "end" if last and n > 1 else "middle"
            parts.append(f'<text x="{pad_l + i * step:.1f}" y="{height - 6}" text-anchor="{anchor}" '
                         f'font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
