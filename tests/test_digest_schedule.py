"""Digest scheduling and composition as pure functions: time zones, DST, grouping, ordering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.compose import Item, group_stories, top_stories
from bot.digest.schedule import ScheduleError, local_day, next_due, parse_subscribe_args, parse_time, parse_zone
from bot.models import Analysis, Article, Source
from bot.render.digest import render_digest
from bot.render.html import TELEGRAM_LIMIT, utf16_len
from tests.articles import BANK, BANK_ANALYSIS, WATER, WATER_ANALYSIS


@pytest.mark.parametrize(
    ("raw", "expected"), [("8:05", "08:05"), ("08:05", "08:05"), ("٠٨:٣٠", "08:30"), ("23:59", "23:59")]
)
def test_times(raw: str, expected: str) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("24:00", "subscribe_bad_hour"),
        ("25:00", "subscribe_bad_hour"),
        ("8:60", "subscribe_bad_minute"),
        ("eight", "subscribe_bad_time"),
        ("8:5", "subscribe_bad_time"),
        ("", "subscribe_bad_time"),
    ],
)
def test_bad_times(raw: str, key: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_time(raw)
    assert caught.value.key == key
    assert caught.value.params["given"] == raw


@pytest.mark.parametrize(
    ("args", "key", "suggestion"),
    [
        (["8am"], "subscribe_ampm", "08:00"),
        (["8", "pm"], "subscribe_ampm", "20:00"),
        (["12:30am"], "subscribe_ampm", "00:30"),
        (["9", "مساءً"], "subscribe_ampm", "21:00"),
        (["08:00", "Asia/Riyad"], "subscribe_bad_zone_close", "Asia/Riyadh"),
        (["Cairo"], "subscribe_bad_zone_close", "Africa/Cairo"),
        (["08:00", "Mars/Olympus"], "subscribe_bad_zone", None),
        (["08:00", "GMT+3"], "subscribe_offset", None),  # never Etc/GMT+3, which is UTC-3
        (["UTC-5"], "subscribe_offset", None),
        (["12345"], "subscribe_bad_time", None),
    ],
)
def test_what_is_wrong_is_said(args: list[str], key: str, suggestion: str | None) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_subscribe_args(args)
    assert caught.value.key == key
    assert caught.value.params.get("suggestion") == suggestion


def test_zones() -> None:
    assert parse_zone("asia/riyadh") == "Asia/Riyadh"
    assert parse_zone("utc") == "UTC"
    with pytest.raises(ScheduleError):
        parse_zone("Mars/Olympus")
    assert parse_subscribe_args(["Africa/Cairo", "7:30"]) == ("07:30", "Africa/Cairo")
    assert parse_subscribe_args(["9"]) == ("09:00", None)
    assert parse_subscribe_args(["1730", "Asia/Riyadh"]) == ("17:30", "Asia/Riyadh")
    assert parse_subscribe_args([]) == (None, None)


def test_next_due_in_a_zone() -> None:
    after = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 06:00 in Riyadh
    assert next_due("08:00", "Asia/Riyadh", after) == datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
    assert next_due("05:00", "Asia/Riyadh", after) == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_the_same_local_minute_across_daylight_saving() -> None:
    """Berlin moves its clocks on 29 March 2026: 08:00 local stays 08:00 local."""
    due = next_due("08:00", "Europe/Berlin", datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    times = []
    for _ in range(4):
        times.append(due)
        due = next_due("08:00", "Europe/Berlin", due)
    assert [t.hour for t in times] == [7, 6, 6, 6]  # UTC+1 on the 28th, UTC+2 from the change on the 29th
    assert {local_day(t, "Europe/Berlin") for t in times} == {"2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"}


def test_a_time_skipped_by_daylight_saving_still_happens_once() -> None:
    """New York skips 02:00–03:00 on 8 March 2026; a 02:30 digest comes at 03:30 that day."""
    due = next_due("02:30", "America/New_York", datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    assert local_day(due, "America/New_York") == "2026-03-08"
    following = next_due("02:30", "America/New_York", due)
    assert following - due == timedelta(hours=23)


def _item(text: str, analysis: dict, source: str, received: float) -> Item:
    article = Article(
        id=str(hash((text, source))), text=text, language="ar", words=100, source=Source(kind="channel", name=source)
    )
    return Item(article, Analysis.model_validate(analysis), received)


def test_near_duplicates_from_different_channels_are_one_story() -> None:
    items = [
        _item(WATER, WATER_ANALYSIS, "قناة أ", 100),
        _item(WATER + "\n\nتابعونا على قناة ب", WATER_ANALYSIS, "قناة ب", 200),
        _item(WATER.replace("الثلاثاء", "اليوم"), WATER_ANALYSIS, "قناة ج", 300),
        _item(BANK, BANK_ANALYSIS, "قناة أ", 400),
    ]
    stories = top_stories(items, 10)
    assert [s.sources for s in stories] == [3, 1]  # most sources first, although BANK is newer
    assert stories[0].lead.analysis.headline.ar.startswith("عمّان")
    assert len(group_stories(items)) == 2


def test_stories_ordered_by_recency_when_sources_tie_and_limited() -> None:
    items = [_item(WATER, WATER_ANALYSIS, "أ", 100), _item(BANK, BANK_ANALYSIS, "ب", 200)]
    assert [s.lead.analysis.headline.en[:5] for s in top_stories(items, 10)] == ["Egypt", "Amman"]
    assert len(top_stories(items, 1)) == 1


def test_digest_layout() -> None:
    items = [
        _item(WATER, WATER_ANALYSIS, "أ", 100),
        _item(WATER + "\n\nتوقيع", WATER_ANALYSIS, "ب", 150),
        _item(BANK, BANK_ANALYSIS, "ج", 200),
    ]
    [message] = render_digest(top_stories(items, 10), "2026-11-29", "en")
    text = message.text
    assert text.startswith("🗞 Daily digest · 29 November 2026")
    assert "1. Amman hosts a regional summit on the water crisis" in text
    assert "2. Egypt's central bank holds rates for a third time" in text
    assert "👥 Samer al-Khatib, Layla Mansour, World Bank" in text
    assert "📡 2 sources" in text and "📡 1 source" in text
    [arabic] = render_digest(top_stories(items, 10), "2026-11-29", "ar")
    assert "الموجز اليومي · 29 نوفمبر 2026" in arabic.text and "مصدران" in arabic.text


def test_a_big_digest_is_split_under_the_limit() -> None:
    items = [_item(f"{WATER}\n\nرقم {i} " + "كلمة مختلفة " * i, WATER_ANALYSIS, f"قناة {i}", i) for i in range(60)]
    stories = group_stories(items)
    messages = render_digest(stories, "2026-11-29", "ar")
    assert all(utf16_len(m.text) <= TELEGRAM_LIMIT for m in messages)
