"""Small bar charts drawn on the server as inline SVG.

The platform runs on an internal network and loads nothing from outside, so the
ledger's charts are plain SVG text: no JavaScript, no web fonts (the page's CJK
font is inherited through ``font-family: inherit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

BAR = "#b3261e"
AXIS = "#d0d5dd"
INK = "#344054"
MUTED = "#667085"


def _nice_max(value: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def column_chart(
    values: Sequence[int],
    labels: Sequence[str],
    *,
    title: str,
    width: int = 320,
    height: int = 120,
) -> SafeString:
    """Vertical bars, one per label (months), with the maximum on the axis."""
    pad_left, pad_bottom, pad_top = 28, 18, 12
    plot_w = width - pad_left - 4
    plot_h = height - pad_bottom - pad_top
    top = _nice_max(max(values, default=0))
    n = max(len(values), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 4}" '
        f'y2="{pad_top + plot_h}" stroke="{AXIS}"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 8}" text-anchor="end" '
        f'font-size="10" fill="{MUTED}">{top:g}</text>',
        f'<text x="{pad_left - 4}" y="{pad_top + plot_h}" text-anchor="end" '
        f'font-size="10" fill="{MUTED}">0</text>',
    ]
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        x = pad_left + i * slot + (slot - bar_w) / 2
        h = plot_h * value / top
        y = pad_top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"><title>{escape(label)}：{value}</title></rect>'
        )
        if value:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 2:.1f}" text-anchor="middle" '
                f'font-size="9" fill="{INK}">{value}</text>'
            )
        # Every other month's label fits under a narrow chart.
        if n <= 6 or i % 2 == (n - 1) % 2:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 5}" text-anchor="middle" '
                f'font-size="9" fill="{MUTED}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def ratio_bars(
    rows: Sequence[tuple[str, float | None, str]],
    *,
    title: str,
    width: int = 560,
    row_height: int = 24,
) -> SafeString:
    """Horizontal bars of ratios 0–1, one per (label, ratio, note); a None ratio
    draws no bar and shows the note (“—”)."""
    label_w, note_w = 130, 150
    bar_max = width - label_w - note_w
    height = row_height * max(len(rows), 1) + 6
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, ratio, note) in enumerate(rows):
        y = 3 + i * row_height
        mid = y + row_height / 2 + 4
        parts.append(
            f'<text x="{label_w - 8}" y="{mid:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_max}" '
            f'height="{row_height - 8}" fill="#f2f4f7"/>'
        )
        if ratio is not None:
            w = bar_max * max(0.0, min(ratio, 1.0))
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" '
                f'height="{row_height - 8}" fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{label_w + bar_max + 8}" y="{mid:.1f}" font-size="12" '
            f'fill="{MUTED}">{escape(note)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
