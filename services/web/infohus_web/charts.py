"""Bar charts as inline SVG, drawn on the server: no script, readable without colour, with a table beside."""

from dataclasses import dataclass
from html import escape

BAR_COLOUR = "#1f5f8b"  # 7.0:1 against white
TEXT_COLOUR = "#1a1a1a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def bar_chart(chart_id: str, title: str, bars: list[Bar], *, width: int = 520) -> str:
    """A horizontal bar chart. ``role="img"`` with the title and a text summary for screen readers."""
    row, label_width, gap, value_width = 30, 200, 8, 40
    height = max(1, len(bars)) * row + 8
    top = max((b.value for b in bars), default=0) or 1
    plot = width - label_width - gap - value_width
    summary = ", ".join(f"{b.label}: {b.value}" for b in bars) or "ingen data"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(summary)}</desc>',
    ]
    if not bars:
        parts.append(f'<text x="0" y="20" fill="{TEXT_COLOUR}" font-size="14">Ingen data i perioden</text>')
    for index, bar in enumerate(bars):
        y = index * row + 4
        length = 0 if bar.value <= 0 else max(2, round(plot * bar.value / top))
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 17}" text-anchor="end" fill="{TEXT_COLOUR}" '
            f'font-size="14">{escape(_clip(bar.label, 26))}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row - 10}" fill="{BAR_COLOUR}" rx="2"/>'
            f'<text x="{label_width + length + gap}" y="{y + 17}" fill="{TEXT_COLOUR}" font-size="14" '
            f'font-weight="bold">{bar.value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
