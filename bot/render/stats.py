"""/stats for admins: today and the last seven days as a table, in the admin's language.

Layout (DESIGN §2). The figures are a `<pre>` table: Telegram shows it in a monospace font, so
columns of ASCII digits line up. Arabic letters are another matter: the clients' monospace fonts
have no Arabic glyphs and fall back to a proportional font, so Arabic labels padded with spaces do
not line up (and their width cannot be predicted). Hence the decision:

- Labels are in the admin's language; figures are ASCII digits with thousands separators, laid
  out left to right.
- English rows read `label  today  7 days`, the labels padded to one width (all ASCII: aligned).
- Arabic rows are left-to-right lines (each starts with U+200E): the figures first, at fixed
  widths, as `7 days  today`, then the Arabic label in an isolate (U+2068…U+2069). The figures
  line up whatever font draws the label, and a reader starting at the right meets the label, then
  today, then the week, the order of an Arabic table; only the labels' outer edge is ragged.
  Column heads are isolated too, so «7 أيام» keeps its order inside a left-to-right line.
- Outside the table every Arabic line starts with U+200F (so the message does). The mark is
  added per line here instead of by `render(rtl=True)`, which would put one before `<pre>` and
  leave an empty line above the table.

The 7-day column sums the daily figures: for active users that counts user-days (a reader seen
on three days counts three times), as the daily figures are all /stats keeps. Errors are listed
under the table by kind (the catalogue key the user saw), the most frequent first.
"""

from __future__ import annotations

from collections import Counter

from bot.models import DayStats, Lang, StatsReport
from bot.render.brief import clean
from bot.render.catalogue import t
from bot.render.html import FSI, PDI, RLM, Block, Line, Message, Span, bold, render

WEEK = 7
TOP_ERRORS = 5
LRM = "\u200e"  # left-to-right mark: an Arabic table row is a left-to-right line
NONE = "—"


def week_total(days: list[DayStats]) -> DayStats:
    """The sum of the days' figures (errors added up by kind), dated by the last day."""
    counts: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for day in days:
        counts.update(day.model_dump(exclude={"day", "errors"}))
        errors.update(day.errors)
    return DayStats.model_validate({**counts, "day": days[-1].day if days else "", "errors": dict(errors)})


def cost(day: DayStats, prices: tuple[float, float] | None) -> float | None:
    """Estimated US dollars of the day's tokens at (per-million input, per-million output) prices."""
    if prices is None:
        return None
    return (day.prompt_tokens * prices[0] + day.completion_tokens * prices[1]) / 1_000_000


def dollars(amount: float | None) -> str:
    """'$1,234.50', '$0.0042' for less than a cent, '—' when unknown."""
    if amount is None:
        return NONE
    return f"${amount:.4f}" if 0 < amount < 0.01 else f"${amount:,.2f}"


def hit_rate(hits: int, misses: int) -> str:
    """'75%' (rounded down, so 100% means no miss at all), '—' when there was no lookup."""
    lookups = hits + misses
    return f"{100 * hits // lookups}%" if lookups else NONE


def human_bytes(size: int | None) -> str:
    """'512 B', '1.5 KB', '12.3 MB', '2.0 GB' (powers of 1024), '—' when unknown."""
    if size is None:
        return NONE
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:,.1f} {unit}"


def _figures(day: DayStats, prices: tuple[float, float] | None) -> dict[str, str]:
    """One column of the table: each row's catalogue key and its cell."""
    return {
        "stats_active_users": f"{day.active_users:,}",
        "stats_articles": f"{day.articles:,}",
        "stats_briefs": f"{day.briefs:,}",
        "stats_hit_rate": hit_rate(day.cache_hits, day.cache_misses),
        "stats_model_calls": f"{day.model_calls:,}",
        "stats_tokens_in": f"{day.prompt_tokens:,}",
        "stats_tokens_out": f"{day.completion_tokens:,}",
        "stats_cost": dollars(cost(day, prices)),
        "stats_budget_refusals": f"{day.budget_refusals:,}",
        "stats_rate_refusals": f"{day.rate_refusals:,}",
        "stats_digests_sent": f"{day.digests_sent:,}",
        "stats_digests_failed": f"{day.digests_failed:,}",
    }


def _iso(text: str, lang: Lang) -> str:
    """Text isolated from an Arabic line around it (a Latin name, a figure with its unit)."""
    return f"{FSI}{text}{PDI}" if lang == "ar" else text


def _line(lang: Lang, *spans: Span) -> Line:
    return [Span(RLM), *spans] if lang == "ar" else list(spans)


def table(report: StatsReport, lang: Lang) -> str:
    """The figures as the plain text of a `<pre>` block (see the module's note on its layout)."""
    today = report.days[-1] if report.days else DayStats(day="")
    week = week_total(report.days[-WEEK:])
    heads = t(lang, "stats_today"), t(lang, "stats_week")
    by_key = _figures(today, report.prices), _figures(week, report.prices)
    columns = list(by_key[0].values()), list(by_key[1].values())
    width_today = max(len(cell) for cell in (heads[0], *columns[0]))
    width_week = max(len(cell) for cell in (heads[1], *columns[1]))
    labels = [t(lang, key) for key in by_key[0]]
    if lang == "ar":
        pad_week, pad_today = " " * (width_week - len(heads[1])), " " * (width_today - len(heads[0]))
        lines = [f"{LRM}{pad_week}{_iso(heads[1], lang)}  {pad_today}{_iso(heads[0], lang)}"]
        lines += [
            f"{LRM}{week_cell:>{width_week}}  {day_cell:>{width_today}}  {_iso(label, lang)}"
            for label, day_cell, week_cell in zip(labels, *columns, strict=True)
        ]
    else:
        width = max(len(label) for label in labels)
        lines = [f"{'':<{width}}  {heads[0]:>{width_today}}  {heads[1]:>{width_week}}"]
        lines += [
            f"{label:<{width}}  {day_cell:>{width_today}}  {week_cell:>{width_week}}"
            for label, day_cell, week_cell in zip(labels, *columns, strict=True)
        ]
    return "\n".join(lines)


def _errors(report: StatsReport, lang: Lang) -> Block:
    today = report.days[-1].errors if report.days else {}
    week = week_total(report.days[-WEEK:]).errors
    kinds = sorted((kind for kind, count in week.items() if count), key=lambda kind: (-week[kind], kind))
    if not kinds:
        return Block([_line(lang, Span("⚠️ " + t(lang, "stats_errors_none")))], tight=True)
    lines = [_line(lang, Span("⚠️ " + t(lang, "stats_errors")))]
    for kind in kinds[:TOP_ERRORS]:
        counts = {"week": f"{week[kind]:,}", "today": f"{today.get(kind, 0):,}"}
        lines.append(_line(lang, Span(t(lang, "stats_error_line", kind=_iso(clean(kind), lang), **counts))))
    if len(kinds) > TOP_ERRORS:
        lines.append(_line(lang, Span(t(lang, "stats_errors_more", count=len(kinds) - TOP_ERRORS))))
    return Block(lines, tight=True)


def render_stats(report: StatsReport, lang: Lang) -> list[Message]:
    """The /stats reply: a title, the model and its prices, the table, the state now, the errors."""
    day = report.days[-1].day if report.days else ""
    head: list[Line] = [_line(lang, bold(t(lang, "stats_title", day=_iso(day, lang))))]
    about: list[str] = []
    if report.model:
        about.append(t(lang, "stats_model", model=_iso(clean(report.model), lang)))
    if report.prices is not None:
        price_in, price_out = (_iso(dollars(price), lang) for price in report.prices)
        about.append(t(lang, "stats_prices", input=price_in, output=price_out))
    if about:
        head.append(_line(lang, Span(" · ".join(about))))
    memory = _iso(human_bytes(report.redis_memory_bytes), lang)
    blocks = [
        Block(head),
        Block([[Span(table(report, lang), ("pre",))]], tight=True),
        Block([_line(lang, Span(t(lang, "stats_now", subscribers=f"{report.subscribers:,}", memory=memory)))]),
        _errors(report, lang),
    ]
    if report.prices is None:
        blocks.append(Block([_line(lang, Span("💲 " + t(lang, "stats_no_prices")))]))
    return render(blocks, rtl=False)
