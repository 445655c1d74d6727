"""The chart: accuracy by category, this period vs the last, as a PNG (and the same as text).

matplotlib is imported here only, and this module only when a chart is drawn, so `python -m bot
ask` never pays for it. The Agg backend needs no display. The figure is built with
matplotlib.figure.Figure (not pyplot): no global state, safe from several threads.
"""

from __future__ import annotations

import io

Totals = dict[str, tuple[int, int]]  # category -> (answered, correct)

WIDTH_PX, HEIGHT_PX, DPI = 900, 500, 100
THIS_COLOUR, LAST_COLOUR = "#1f6feb", "#b7c4d6"


def _pct(totals: Totals, category: str) -> float | None:
    answered, correct = totals.get(category, (0, 0))
    return 100 * correct / answered if answered else None


def chart_categories(this: Totals, last: Totals) -> list[str]:
    """The categories to show: any with answers in either period, weakest this period first."""
    names = sorted(set(this) | set(last))
    return sorted(names, key=lambda c: (_pct(this, c) is None, _pct(this, c) or 0.0, c))


def render_chart(this: Totals, last: Totals, this_label: str, last_label: str) -> bytes:
    """A WIDTH_PX x HEIGHT_PX PNG: one pair of horizontal bars per category."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    names = chart_categories(this, last) or ["(no answers yet)"]
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    ax = fig.add_subplot()
    rows = range(len(names))
    height = 0.38
    this_values = [_pct(this, c) or 0.0 for c in names]
    last_values = [_pct(last, c) or 0.0 for c in names]
    above, below = [y - height / 2 for y in rows], [y + height / 2 for y in rows]
    ax.barh(above, this_values, height, label=this_label, color=THIS_COLOUR)
    ax.barh(below, last_values, height, label=last_label, color=LAST_COLOUR)
    for y, category in zip(rows, names, strict=True):
        # Both bars carry their figure, so the older period reads without a ruler.
        for value, offset, colour in (
            (_pct(this, category), -height / 2, "#16191f"),
            (_pct(last, category), height / 2, "#545b64"),
        ):
            text = f"{value:.0f}%" if value is not None else "no answers"
            ax.text((value or 0) + 1, y + offset, text, va="center", fontsize=7, color=colour)
    ax.set_yticks(list(rows), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("answers right (%)")
    ax.set_title(f"Accuracy by category: {this_label} vs {last_label}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def chart_text(this: Totals, last: Totals, this_label: str, last_label: str) -> str:
    """The chart's content as lines of text (the fallback when an image cannot be shown)."""
    lines = [f"Accuracy by category, {this_label} vs {last_label}:"]
    for category in chart_categories(this, last):
        now, before = _pct(this, category), _pct(last, category)
        now_text = f"{now:.0f}%" if now is not None else "no answers"
        before_text = f"{before:.0f}%" if before is not None else "no answers"
        lines.append(f"• {category}: {now_text} (was {before_text})")
    if len(lines) == 1:
        lines.append("• no answers in either period")
    return "\n".join(lines)
