"""/stats rendering: the figures in both languages, Telegram-valid HTML, right-to-left, the chart."""

from __future__ import annotations

import re

from bot.models import DayStats, StatsReport
from bot.render.chart import tokens_chart
from bot.render.html import RLM, TELEGRAM_LIMIT, utf16_len
from bot.render.stats import human_bytes, render_stats, table
from tests.test_render import _visible, _well_formed


def _week(**today: object) -> list[DayStats]:
    """Six quiet days (1,000 tokens in and 100 out, 1 brief each), then today's figures."""
    days = [
        DayStats(day=f"2026-05-0{i}", active_users=2, briefs=1, prompt_tokens=1_000, completion_tokens=100)
        for i in range(1, 7)
    ]
    return [*days, DayStats.model_validate({"day": "2026-05-07", **today})]


def _report(**fields: object) -> StatsReport:
    today = {
        "active_users": 3,
        "briefs": 9,
        "articles": 4,
        "cache_hits": 3,
        "cache_misses": 1,
        "model_calls": 5,
        "prompt_tokens": 1_000_000,
        "completion_tokens": 500_000,
        "budget_refusals": 2,
        "rate_refusals": 1,
        "digests_sent": 12,
        "digests_failed": 1,
        "errors": {"error_llm_timeout": 2, "error_fetch": 1},
    }
    values: dict[str, object] = {
        "days": _week(**today),
        "subscribers": 1_234,
        "redis_memory_bytes": 3 * 1024 * 1024,
        "model": "gpt-4o-mini",
        "prices": (0.15, 0.60),
        **fields,
    }
    return StatsReport.model_validate(values)


def _row(text: str, label: str) -> list[str]:
    """The cells of the table row that carries `label` (either language's layout)."""
    [line] = [line for line in text.split("\n") if label in line]
    return line.replace(label, "").strip("\u200e\u2068\u2069 ").split()


def test_english_stats_show_today_and_the_week() -> None:
    [message] = render_stats(_report(), "en")
    text = message.text
    assert not text.startswith(RLM)
    assert "2026-05-07" in text and "gpt-4o-mini" in text and "$0.15 / $0.60" in text
    assert _row(text, "Cache hit rate") == ["75%", "75%"]  # 3 hits, 1 miss; the quiet days looked nothing up
    assert _row(text, "Active users") == ["3", "15"]
    assert _row(text, "Briefs") == ["9", "15"]
    assert _row(text, "Tokens in") == ["1,000,000", "1,006,000"]
    assert _row(text, "Tokens out") == ["500,000", "500,600"]
    # 1M in at $0.15 + 0.5M out at $0.60; the week adds 6,000 in and 600 out.
    assert _row(text, "Cost (USD)") == ["$0.45", "$0.45"]
    assert _row(text, "Digests sent") == ["12", "12"]
    assert "Subscribers: 1,234" in text and "Redis memory: 3.0 MB" in text
    assert "• error_llm_timeout: 2 (today 2)" in text and "• error_fetch: 1 (today 1)" in text
    assert "OPENAI_PRICE_INPUT" not in text


def test_english_table_columns_line_up() -> None:
    lines = table(_report(), "en").split("\n")
    assert len({len(line) for line in lines}) == 1  # every figure right-aligned to the same edge


def test_arabic_stats_are_right_to_left_with_the_same_figures() -> None:
    [message] = render_stats(_report(), "ar")
    text = message.text
    assert text.startswith(RLM + "📊 ")
    outside = _visible(re.sub(r"<pre>.*?</pre>", "", message.html, flags=re.DOTALL))
    assert all(line.startswith(RLM) for line in outside.split("\n") if line)
    assert "إحصاءات نبأ" in text
    # Arabic rows: the week, then today, then the label, left to right.
    assert _row(text, "الإصابة في الذاكرة المؤقتة") == ["75%", "75%"]
    assert _row(text, "المستخدمون النشطون") == ["15", "3"]
    assert _row(text, "رموز الإدخال") == ["1,006,000", "1,000,000"]
    assert _row(text, "التكلفة بالدولار") == ["$0.45", "$0.45"]
    assert "المشتركون: 1,234" in text and "3.0 MB" in text
    assert "error_llm_timeout\u2069: 2 (اليوم 2)" in text


def test_arabic_table_keeps_figures_aligned_at_the_start_of_each_line() -> None:
    rows = table(_report(), "ar").split("\n")[1:]
    assert all(row.startswith("\u200e") for row in rows)
    figures = [row.split("\u2068")[0] for row in rows]
    assert len({len(cells) for cells in figures}) == 1


def test_stats_html_is_valid_and_escaped() -> None:
    hostile = _report(model="<b>gpt</b> & co")
    hostile.days[-1].errors = {"<script>": 4}
    for lang in ("ar", "en"):
        messages = render_stats(hostile, lang)
        for message in messages:
            assert _well_formed(message.html)
            assert utf16_len(_visible(message.html)) <= TELEGRAM_LIMIT
            assert message.html.count("<pre>") == message.html.count("</pre>") == 1
            assert "<script>" not in message.html and "&lt;script&gt;" in message.html
            assert "&lt;b&gt;gpt&lt;/b&gt; &amp; co" in message.html
            assert "<script>: 4" in _visible(message.html).replace("\u2068", "").replace("\u2069", "")


def test_no_prices_no_lookups_no_errors() -> None:
    quiet = [DayStats(day=f"2026-05-0{i}") for i in range(1, 8)]
    report = StatsReport(days=quiet, prices=None, redis_memory_bytes=None)
    [english] = render_stats(report, "en")
    assert _row(english.text, "Cost (USD)") == ["—", "—"]
    assert _row(english.text, "Cache hit rate") == ["—", "—"]
    assert "OPENAI_PRICE_INPUT" in english.text and "OPENAI_PRICE_OUTPUT" in english.text
    assert "Errors in 7 days: none" in english.text
    assert "Redis memory: —" in english.text
    [arabic] = render_stats(report, "ar")
    assert arabic.text.startswith(RLM)
    assert "OPENAI_PRICE_INPUT" in arabic.text and "الأخطاء في 7 أيام: لا شيء" in arabic.text


def test_only_the_commonest_errors_are_listed() -> None:
    report = _report()
    report.days[-1].errors = {f"error_{i}": i for i in range(1, 9)}
    [message] = render_stats(report, "en")
    assert "error_8: 8" in message.text and "error_4: 4" in message.text
    assert "error_3" not in message.text and "and 3 more kinds" in message.text


def test_human_bytes() -> None:
    assert human_bytes(None) == "—"
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(5 * 1024**3) == "5.0 GB"
    assert human_bytes(3 * 1024**4) == "3,072.0 GB"


def test_tokens_chart_is_a_png() -> None:
    png = tokens_chart(_report(), "ar")
    assert png is not None and png.startswith(b"\x89PNG")


def test_tokens_chart_of_an_empty_week_is_none() -> None:
    quiet = StatsReport(days=[DayStats(day=f"2026-05-0{i}", briefs=3) for i in range(1, 8)])
    assert tokens_chart(quiet, "en") is None
    assert tokens_chart(StatsReport(days=[]), "en") is None
