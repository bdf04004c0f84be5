"""A lead-based extractive headline and summary (pure; no model): `lead`.

The headline is the article's title line when its first paragraph is one (at most _TITLE_WORDS words, no
final full stop); else the first sentence, cut at a word boundary to _TITLE_WORDS words with "…". The
summary is the first sentences of the body (2–3, at most ~_SUMMARY_WORDS words, never the headline
again), each verbatim from the article. Lines that are not the story are skipped: labels ("عاجل"),
"اقرأ أيضا"/"شاهد" teasers, bylines, dates, lines of hashtags or links, and channel signatures
(lines after the last long one that call to follow or subscribe).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.text import clean_article, normalize, split_paragraphs, split_sentences, word_count

__all__ = ["Lead", "lead"]

_TITLE_WORDS = 20
_SUMMARY_WORDS = 80
_SUMMARY_SENTENCES = 3
_FINAL_STOP = re.compile(r"[.!؟?…:]\W*$")
# Lines that are not the story (normalised, so alef forms do not matter).
_TEASER = re.compile(
    r"^\W*(?:اقرا ايضا|اقرا المزيد|اقرا|شاهد|شاهدوا|شاهد ايضا|للمزيد|المزيد|تابعونا|تابعوا|تابع|اشترك|اشتركوا"
    r"|انضم|انضموا|بقلم|كتب|كتبت|اعداد|تحرير|المصدر|مصدر|تاريخ النشر|اخر تحديث|تحديث|نشر في|read more|watch"
    r"|follow|subscribe|join)(?![\w])"
)
_LABEL = re.compile(r"^\W*(?:عاجل|خبر عاجل|breaking|breaking news|متابعة|بالفيديو|فيديو|صور|بالصور)\W*$")
_DATE = re.compile(
    r"^\W*(?:\d{1,4}[/\-.]\d{1,2}[/\-.]\d{1,4}|\d{1,2}:\d{2}|\d{1,2}\s+\S+\s+\d{4}|(?:السبت|الاحد|الاثنين|"
    r"الثلاثاء|الاربعاء|الخميس|الجمعة)\W+\d)"
)
_LINK_OR_TAG = re.compile(r"(?:https?://|www\.|t\.me/)\S+|[#@][\w\u064b-\u065f]+")
_SIGNATURE_WORDS = 8  # trailing lines shorter than this after the body may be a signature
_CALLS = re.compile(r"تابعونا|اشتركوا|اشترك|انضموا|قناتنا|صفحتنا|follow us|subscribe|join us")


@dataclass(frozen=True, slots=True)
class Lead:
    """An extractive headline and summary; `sentences` are the summary's sentences, verbatim."""

    headline: str
    summary: str
    sentences: tuple[str, ...] = field(default=())


def _noise(line: str) -> bool:
    norm = normalize(line)
    if not norm or _LABEL.match(norm) or _TEASER.match(norm) or _DATE.match(norm):
        return True
    rest = _LINK_OR_TAG.sub(" ", line)
    if word_count(rest) == 0:
        return True  # only tags, links, emoji
    return len(norm.split()) < _SIGNATURE_WORDS and bool(_CALLS.search(norm))


def _trim(sentence: str, words: int) -> str:
    """sentence cut at a word boundary to at most `words` words, with "…" when cut."""
    parts = sentence.split()
    if len(parts) <= words:
        return sentence.strip()
    return " ".join(parts[:words]).rstrip("،,;:؛-–—") + "…"


def _is_title(paragraph: str) -> bool:
    line = paragraph.strip()
    return "\n" not in line and word_count(line) <= _TITLE_WORDS and not _FINAL_STOP.search(line)


def lead(text: str) -> Lead:
    """The headline and the first sentences of an article (see the module docstring)."""
    paragraphs = [p.strip() for p in split_paragraphs(clean_article(text))]
    paragraphs = [p for p in paragraphs if p and not _noise(p)]
    if not paragraphs:
        return Lead("", "")
    body = paragraphs
    headline = ""
    if len(paragraphs) > 1 and _is_title(paragraphs[0]):
        headline, body = paragraphs[0], paragraphs[1:]
    sentences = [s.strip() for p in body for s in split_sentences(p)]
    sentences = [s for s in sentences if s and word_count(s) > 0 and not _noise(s)]
    if not headline:
        headline = _trim(sentences[0], _TITLE_WORDS) if sentences else _trim(paragraphs[0], _TITLE_WORDS)
    chosen: list[str] = []
    total = 0
    head_key = normalize(headline.rstrip("…"))
    for sentence in sentences:
        key = normalize(sentence)
        if key == head_key:
            continue
        size = word_count(sentence)
        if chosen and total + size > _SUMMARY_WORDS:
            break
        chosen.append(sentence)
        total += size
        if len(chosen) >= _SUMMARY_SENTENCES:
            break
    return Lead(headline, " ".join(chosen), tuple(chosen))
