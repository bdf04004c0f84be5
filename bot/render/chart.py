"""A picture of the week's tokens for /stats: a small PNG drawn with matplotlib.

matplotlib is imported inside the function (it takes about half a second to import, which the
command line must not pay) and used through `Figure` + the Agg canvas, never pyplot's global
state, so charts can be drawn in worker threads (`asyncio.to_thread`) side by side.

The chart's words are English and its days are dates (MM-DD) for Arabic admins too: matplotlib
draws Arabic without joining the letters and left to right, which would be unreadable. The
numbers and the two colours carry the meaning; the message the chart comes with is translated.
"""

from __future__ import annotations

import io

from bot.models import Lang, StatsReport

WEEK = 7
INPUT_COLOUR, OUTPUT_COLOUR = "#4c78a8", "#f58518"


def _short(value: float) -> str:
    """An axis figure: 950, 12k, 1.5M."""
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= limit:
            return f"{value / limit:.1f}".removesuffix(".0") + suffix
    return f"{value:.0f}"


def tokens_chart(report: StatsReport, lang: Lang) -> bytes | None:
    """Input and output tokens per day over the last 7 days as stacked bars (PNG, 600×300 pixels).

    None when no day used a token (nothing worth a picture). The labels are English whatever
    `lang` is (see the module's note); blocking and CPU-bound, so run it off the event loop.
    """
    days = report.days[-WEEK:]
    if not any(day.prompt_tokens or day.completion_tokens for day in days):
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(6, 3), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    where = list(range(len(days)))
    inputs = [day.prompt_tokens for day in days]
    outputs = [day.completion_tokens for day in days]
    axes.bar(where, inputs, color=INPUT_COLOUR, label="input")
    axes.bar(where, outputs, bottom=inputs, color=OUTPUT_COLOUR, label="output")
    axes.set_xticks(where, [day.day[5:] or day.day for day in days])
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _short(value)))
    axes.set_title("Tokens per day (UTC)", fontsize=10)
    axes.legend(fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    canvas.print_png(out)
    return out.getvalue()
