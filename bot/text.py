"""Arabic text utilities (pure functions): normalisation, verbatim quotes, names, fingerprints, splitting.

normalize(): per character NFKC and casefold; Arabic diacritics, tatweel and format controls (zero-width,
bidi, BOM) dropped; أ إ آ ٱ -> ا, ى ی ئ -> ي, ؤ -> و, ک -> ك, ە ۀ -> ه (ة kept); Arabic-Indic digits ->
ASCII; every quotation mark -> '"'; whitespace runs -> one space. Quotes and names are compared in "key
space" (match_key): normalised letters and digits, anything else a word break. Each key character
remembers its index in the text, so a match is shown with the article's exact characters. A quote must
be whole words, contiguous and at least two words long; a name may carry a proclitic on its first word.
fingerprint() is a post's identity: it ignores only decoration (see its docstring), and any other word or
number makes a new one; shingles() is the looser similarity that groups stories in digests.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache
from itertools import chain

__all__ = [
    "IDENTITY_VERSION",
    "QUOTE_MARKS",
    "ArticleIndex",
    "arabic_ratio",
    "clean_article",
    "contains_name",
    "content_word_count",
    "detect_language",
    "find_quote",
    "fingerprint",
    "match_key",
    "normalize",
    "reading_minutes",
    "shingles",
    "similarity",
    "snap_quote",
    "split_paragraphs",
    "split_sentences",
    "word_count",
]

QUOTE_MARKS = "«»“”„‟″'‘’‹›\"‚＂"
_EXPLICIT = {
    **dict.fromkeys("أإآٱ", "ا"),
    "ى": "ي",
    "ؤ": "و",
    "ئ": "ي",
    "ک": "ك",
    "ی": "ي",
    "ە": "ه",
    "ۀ": "ه",
    "٫": ".",
    "٬": ",",
    **dict.fromkeys(QUOTE_MARKS, '"'),
    **{chr(base + i): str(i) for base in (0x660, 0x6F0) for i in range(10)},  # Arabic-Indic digits
}
# Arabic diacritics (tashkeel, superscript alef, Quranic and honorific marks) and tatweel; all format
# characters (category Cf: zero-width and bidi controls, BOM, ALM) are dropped as well.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff\u0640]")
_CONTROLS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u061c]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Proclitics (and, so, with, for, like) that may be glued to the first word of a name.
_PROCLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك")
_MIN_QUOTE_WORDS = 2  # a one-word "quote" is a scare quote or a name, and matches almost any article


def _ignorable(ch: str) -> bool:
    return bool(_ARABIC_MARKS.match(ch)) or unicodedata.category(ch) == "Cf"


def _norm_step(ch: str) -> str:
    if ch in _EXPLICIT:
        return _EXPLICIT[ch]
    if _ignorable(ch):
        return ""
    out = unicodedata.normalize("NFKC", ch).casefold()
    if out.strip() and all(c == " " or _ignorable(c) for c in out):
        return ""  # isolated presentation forms of diacritics (U+FE70...) decompose to space + mark
    return out


def _norm_char(ch: str) -> str:
    # Iterate to a fixed point so that normalize() is idempotent (NFKC output may hit a rule again).
    out = ch
    for _ in range(4):
        step = "".join(_norm_step(c) for c in out)
        if step == out:
            break
        out = step
    return out


def _keyify(norm: str) -> str:
    # Letters and digits stay; other combining marks vanish; everything else becomes a word break.
    key = "".join(c if c.isalnum() else "" if unicodedata.category(c)[0] == "M" else " " for c in norm)
    return re.sub(" +", " ", key)


def _key_char(ch: str) -> str:
    return _keyify(_norm_char(ch))


_HOT = ((0, 0x250), (0x600, 0x780), (0x8A0, 0x900), (0x2000, 0x2070), (0xFB50, 0xFFF0))
_NORM_TABLE = {cp: _norm_char(chr(cp)) for a, b in _HOT for cp in range(a, b)}
_KEY_TABLE = {cp: _keyify(norm) for cp, norm in _NORM_TABLE.items()}
_DROPPED = "".join(re.escape(chr(cp)) for cp, k in _KEY_TABLE.items() if not k)
_DROPS = re.compile(f"[{_DROPPED}]+")
_GROWS = "".join(re.escape(chr(cp)) for cp, k in _KEY_TABLE.items() if len(k) > 1)
# Characters outside the precomputed ranges (emoji, rare scripts) are normalised per call; ligatures
# that expand into several key characters need the slow map.
_RARE = re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b - 1:08x}" for a, b in _HOT) + "]|[" + _GROWS + "]")
_GAPS = re.compile(" {2,}")


def _table(text: str, base: dict[int, str], make: Callable[[str], str]) -> tuple[dict[int, str], set[str]]:
    rare = set(_RARE.findall(text))
    cold = {ord(c): make(c) for c in rare if ord(c) not in base}
    return ({**base, **cold} if cold else base), rare


def normalize(text: str) -> str:
    """Normalise Arabic text for comparison."""
    return " ".join(text.translate(_table(text, _NORM_TABLE, _norm_char)[0]).split())


def _key(text: str) -> str:
    return " ".join(text.translate(_table(text, _KEY_TABLE, _key_char)[0]).split())


def _segments(text: str) -> tuple[str, list[int], list[int]]:
    """Return the key of text and its map to text in linear pieces (key index ks[i] is text index ts[i])."""
    table, rare = _table(text, _KEY_TABLE, _key_char)
    raw = text.translate(table)
    r1, t1 = [0], [0]  # first: raw (translated) text -> text
    if any(len(table[ord(c)]) > 1 for c in rare):  # a ligature expands into several key characters
        sizes = [len(table[ord(c)]) for c in text]
        t1 = list(chain.from_iterable([i] * n for i, n in enumerate(sizes)))
        r1 = list(range(len(t1)))
    elif len(raw) < len(text):  # dropped marks: the kept characters are the runs between them
        extra = "".join(re.escape(c) for c in rare if not table[ord(c)])
        for m in re.finditer(f"[{_DROPPED}{extra}]+", text) if extra else _DROPS.finditer(text):
            r1.append(r1[-1] + m.start() - t1[-1])
            t1.append(m.end())
    spans, last, end = [], len(raw) - len(raw.lstrip(" ")), len(raw.rstrip(" "))
    for m in _GAPS.finditer(raw, last, end):  # then: raw -> key, keeping one space per gap
        spans.append((last, m.start() + 1))
        last = m.end()
    spans.append((last, end))
    ks, ts, offset = [], [], 0
    for a, b in spans:
        first = bisect_right(r1, a) - 1
        ks.append(offset)
        ts.append(t1[first] + a - r1[first])
        for j in range(first + 1, bisect_left(r1, b, first + 1)):
            ks.append(offset + r1[j] - a)
            ts.append(t1[j])
        offset += b - a
    return "".join(raw[a:b] for a, b in spans), ks, ts


def match_key(text: str) -> tuple[str, list[int]]:
    """Return the comparison key of text and, for every key character, its index in text."""
    key, ks, ts = _segments(text)
    ends = [*ks[1:], len(key)]
    return key, list(chain.from_iterable(range(t, t + e - k) for k, e, t in zip(ks, ends, ts, strict=True)))


_OUTER_QUOTES = re.compile(f"^[\\s{QUOTE_MARKS}]+|[\\s{QUOTE_MARKS}]+$")


def _punct_run(text: str, *, tail: bool) -> str:
    """Return the punctuation (not quotation marks) that text ends with (tail) or starts with."""
    run = []
    for c in reversed(text) if tail else text:
        if c.isalnum() or c.isspace() or c in QUOTE_MARKS or unicodedata.category(c)[0] == "M":
            break
        run.append(c)
    return "".join(reversed(run) if tail else run)


class ArticleIndex:
    """An article's comparison key, built once, for matching many quotes and names against it."""

    def __init__(self, article: str) -> None:
        self.article = article
        self.key, self._ks, self._ts = _segments(article)

    def _at(self, k: int) -> int:
        i = bisect_right(self._ks, k) - 1
        return self._ts[i] + k - self._ks[i]

    @cached_property
    def _tokens(self) -> list[str]:
        return self.key.split(" ") if self.key else []

    @cached_property
    def _positions(self) -> dict[str, list[int]]:
        where: dict[str, list[int]] = {}
        for i, token in enumerate(self._tokens):
            where.setdefault(token, []).append(i)
        return where

    def find_quote(self, quote: str) -> str | None:
        """Return the article's exact span for a model's quote, or None when the article lacks it."""
        qkey = _key(quote)
        if qkey.count(" ") + 1 < _MIN_QUOTE_WORDS or sum(c.isalpha() for c in qkey) < 2:
            return None
        key, size = self.key, len(qkey)
        i = key.find(qkey)
        while i >= 0:
            j = i + size
            if (i == 0 or key[i - 1] == " ") and (j == len(key) or key[j] == " "):
                span = self._span(i, j, qkey, quote)
                if span is not None:
                    return span
            i = key.find(qkey, i + 1)
        return None

    def _span(self, i: int, j: int, qkey: str, quote: str) -> str | None:
        art = self.article
        start, end = self._at(i), self._at(j - 1) + 1
        while end < len(art) and (art[end] == "\u0640" or unicodedata.category(art[end])[0] == "M"):
            end += 1  # the last letter's diacritics belong to it
        exact = art[start:end]
        if _key(exact) != qkey:
            return None  # only part of a ligature matched
        # Punctuation the quote itself starts or ends with (a full stop, a bracket) is kept when the
        # article has the same marks right there; quotation marks around the quote never are.
        core = _OUTER_QUOTES.sub("", quote)
        lead, tail = _punct_run(core, tail=False), _punct_run(core, tail=True)
        before = _punct_run(art[max(start - 8, 0) : start], tail=True)
        after = _punct_run(art[end : end + 8], tail=False)
        if lead and normalize(before) == normalize(lead):
            start -= len(before)
        if tail and normalize(after) == normalize(tail):
            end += len(after)
        span = art[start:end]
        return span if _key(span) == qkey else exact

    def contains_name(self, name: str) -> bool:
        """Tell whether an actor's name occurs in the article, allowing Arabic clitics."""
        tokens = _key(name).split()
        if sum(c.isalpha() for c in "".join(tokens)) < 2:
            return False
        first, rest = tokens[0], tokens[1:]
        forms = {first, *(p + first for p in _PROCLITICS)}
        if first.startswith("ال") and len(first) > 2:  # ل + ال contracts to لل: للأمم، وللجيش
            forms |= {p + "لل" + first[2:] for p in ("", "و", "ف")}
        for form in forms:
            for i in self._positions.get(form, ()):
                if self._tokens[i + 1 : i + 1 + len(rest)] == rest:
                    return True
        return False


def find_quote(article: str, quote: str) -> str | None:
    """Return the article's exact span for a model's quote, or None when the article does not contain it."""
    return ArticleIndex(article).find_quote(quote)


snap_quote = find_quote


def contains_name(article: str, name: str) -> bool:
    """Tell whether an actor's name occurs in the article, allowing Arabic clitics."""
    return ArticleIndex(article).contains_name(name)


_LINKS = re.compile(r"(?:https?://|www\.|t(?:elegram)?\.me/)\S+", re.IGNORECASE)
_TAGS = re.compile("[@#][\\w\u064b-\u065f\u0670]+")
_HANDLES = re.compile("@[\\w\u064b-\u065f\u0670]+")
_SHORT_HEADER, _LONG_LINE = 3, 8


def _loose_key(text: str) -> str:
    """The body of a text for near-duplicate grouping: links, @mentions, #hashtags removed, and leading
    lines of at most 3 words and trailing lines of fewer than 8 words dropped (lossy: never an identity)."""
    lines = [k for k in (_key(line) for line in _TAGS.sub(" ", _LINKS.sub(" ", text)).splitlines()) if k]
    counts = [k.count(" ") + 1 for k in lines]
    long_lines = [i for i, n in enumerate(counts) if n >= _LONG_LINE]
    if long_lines:  # trailing short lines after the last long one: signature, "follow us", source
        lines = lines[: long_lines[-1] + 1]
    start = 0
    while start < len(lines) - 1 and counts[start] <= _SHORT_HEADER:
        start += 1  # leading "عاجل" / "🔴 عاجل |" style headers
    return " ".join(lines[start:])


# --- article identity -------------------------------------------------------------------------------------
# An identity drops only what is recognisably decoration. The word lists are in key space (normalised), and
# a word may carry the conjunction و ("وتابعونا"). A line with a digit is never decoration (unless it is
# exactly the channel's name).
IDENTITY_VERSION = "naba-identity-v3"


def _words(*phrases: str) -> frozenset[str]:
    return frozenset(_key(" ".join(phrases)).split())


def _phrases(phrases: str) -> frozenset[tuple[str, ...]]:
    """Key-space word sequences of "|"-separated phrases."""
    return frozenset(tuple(_key(p).split()) for p in phrases.split("|") if _key(p))


# Words that make a trailing line a call to follow, join, subscribe, share or read more.
_FOLLOW_CALLS = _words(
    "تابعونا تابعوا تابعنا تابع تابعني تابعوني اشترك اشتركوا اشتركو للاشتراك الاشتراك اشتراك انضم انضموا",
    "انضمو للانضمام الانضمام ادخلوا شاركوا انشروا اقرأ اقرا للمزيد لمزيد المزيد لقراءة",
    "follow join subscribe share read",
)
# Where a follow call points: a channel, page or platform. A call is a signature only with one of these
# words, a link or a handle ("تابعونا على تلغرام", "Join our channel", "Follow us @x"); "join" alone is news.
_FOLLOW_TARGETS = _words(
    "رابط الرابط روابط القناة قناة قناتنا قنواتنا صفحتنا صفحة الصفحة حسابنا حساب حساباتنا موقعنا الموقع",
    "مجموعتنا المجموعة تلغرام تليغرام تلجرام تيليجرام تيلجرام تيليغرام تويتر إكس اكس فيسبوك فيس بوك",
    "انستغرام انستجرام انستقرام يوتيوب واتساب واتس اب تيك توك",
    "channel channels page link links telegram twitter x facebook instagram youtube whatsapp tiktok",
)
# Words allowed around a follow call, a channel's name or its link (never on their own).
_SIGNATURE_FILLER = _FOLLOW_TARGETS | _words(
    "و على عبر في من إلى الى إلينا الينا معنا لنا عن ل مع كل آخر اخر جديد أول اول بأول باول",
    "ليصلكم ليصلك يصلكم لتصلكم لحظة بلحظة",
    "الأخبار الاخبار أخبار اخبار الخبر خبر العاجلة عاجلة المستجدات التفاصيل للتفاصيل تفاصيل التالي هنا الآن",
    "اضغط انقر شاهد شاهدوا الفيديو فيديو بالفيديو الكامل كاملا كاملة ايضا أيضا",
    "us on our my the a an to at for in and or of more news updates update latest breaking",
    "here now click via please",
)
# A source credit: one of these labels, as a whole label, then only known outlets or the channel's name.
_SOURCE_LINE = re.compile(r"^\W*(?:(?:المصدر|source|credit)(?!\w)\W*|(?:نقلا عن|via|عن)\s+)(.*)$")
_OUTLET_WORDS = _words(
    "قناة وكالة الأنباء الانباء أنباء انباء صحيفة جريدة موقع شبكة إذاعة اذاعة تلفزيون التلفزيون مجلة",
    "agency news channel tv network",
)
# Words that may precede an outlet's name in a credit ("وكالة رويترز", "قناة الجزيرة", "موقع العربية").
_OUTLET_PREFIXES = _words("وكالة قناة موقع شبكة صحيفة تلفزيون")
# Known news agencies and outlets (maintained list; a credit naming anything else is content).
_OUTLETS = _phrases(
    "رويترز|فرانس برس|فرانس بريس|أ ف ب|ا ف ب|الأنباء الفرنسية|الأناضول|سانا|واس|وام|قنا|كونا|بترا|"
    "الجزيرة|الجزيرة نت|العربية|العربية نت|الحدث|سكاي نيوز عربية|سكاي نيوز|بي بي سي|بي بي سي عربي|"
    "روسيا اليوم|آر تي|فرانس 24|أسوشيتد برس|الأنباء السعودية|الأنباء الكويتية|الأنباء القطرية|"
    "الأنباء الأردنية|أنباء الإمارات|reuters|afp|ap|associated press|anadolu|anadolu agency|aa|bbc|"
    "bbc arabic|bbc news|cnn|al jazeera|aljazeera|al arabiya|alarabiya|sky news|sky news arabia|rt|"
    "rt arabic|france 24|sana|wam|spa|kuna|qna|petra|xinhua|tass|dpa"
)
_OUTLET_RUNS = sorted(_OUTLETS, key=len, reverse=True)
# Lines that may head a post: a known label ("عاجل", "Breaking"), with nothing else but the words below.
_HEADER_LABELS = _words("عاجل عاجلة متابعة تحديث مباشر هام مهم breaking urgent update live flash")
_HEADER_FILLER = _words("خبر أخبار اخبار الآن الان جدا و news now just in")
# Hashtags that are only a label and carry no news: decoration anywhere ("#عاجل", "#خبر_عاجل", "#breaking").
_LABEL_TAGS = frozenset(
    "".join(run)
    for run in _phrases(
        "عاجل عاجلة خبر_عاجل اخبار_عاجلة أخبار_عاجلة عاجل_الآن عاجل_جدا عاجل_وهام هام مهم خبر أخبار "
        "اخبار الأخبار متابعة تحديث مباشر بث_مباشر breaking breaking_news breakingnews urgent news "
        "update live flash just_in".replace(" ", "|").replace("_", " ")
    )
)
# The same labels opening the first line of the body before a separator ("🔴 عاجل | ...", "عاجل: ...").
_LABEL_PREFIX = re.compile(
    r"^[^\w]*(?:خبر\s+)?(?:عاجل|عاجلة|متابعة|تحديث|breaking(?:\s+news)?|urgent|update)"
    r"[^\w|:：\-–—]*(?:[|:：]|[\-–—](?=\s))"
)
# Symbols that carry the meaning of a number are words of the identity: "5.6" is not "5-6", "50$" not
# "50€", "-5" (or "- 5") not "5", "50%" not "50"; and so are the arrows and marks that say up or down, yes
# or no ("🔺 الدولار" is not "🔻 الدولار"). Everything else that is not a letter or a digit is a word break.
_CURRENCY = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Sc")
_SIGNS = {
    **dict.fromkeys("🔺▲△⬆↑🔼⏫⇧⇑", "↑"),
    **dict.fromkeys("🔻▼▽⬇↓🔽⏬⇩⇓", "↓"),
    **dict.fromkeys("↗⬈", "↗"),
    **dict.fromkeys("↘⬊", "↘"),
    "📈": "📈",
    "📉": "📉",
    **dict.fromkeys("✅✔☑✓", "✓"),
    **dict.fromkeys("❌✖✗✘❎", "✗"),
}
_NUMBER_MARKS = re.compile(
    r"(?<=\d)\s*([.,،:/\-–—−])\s*(?=\d)|(?<![\w.,])([\-−+])\s*(?=\d)|([%٪‰" + re.escape(_CURRENCY) + "])"
    r"|(" + "|".join(re.escape(c) for c in _SIGNS) + ")"
)
_MARK_WORD = {"،": ",", "–": "-", "—": "-", "−": "-", "٪": "%", **_SIGNS}


def _tokens(norm: str) -> list[str]:
    """The identity words of a normalised line: its key's words, and the symbols that belong to numbers."""
    table = _table(norm, _KEY_TABLE, _key_char)[0]  # once per line, not per piece
    out: list[str] = []
    last = 0
    for m in _NUMBER_MARKS.finditer(norm):
        out += norm[last : m.start()].translate(table).split()
        mark = m.group(m.lastindex or 0)
        out.append(_MARK_WORD.get(mark, mark))
        last = m.end()
    return out + norm[last:].translate(table).split()


def _is_word(token: str) -> bool:
    return any(c.isalnum() for c in token)


def _in(words: frozenset[str], token: str) -> bool:
    return token in words or (len(token) > 2 and token[0] == "و" and token[1:] in words)


def _name_runs(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The word sequences a channel's name(s) may appear as: whole, or without a leading "قناة"-like word."""
    runs: set[tuple[str, ...]] = set()
    for name in names:
        words = tuple(_key(name.strip().lstrip("@")).split())
        while words:
            if sum(c.isalpha() for c in "".join(words)) >= 2:  # never a bare number
                runs.add(words)
            if words[0] not in _OUTLET_WORDS:
                break
            words = words[1:]
    return sorted(runs, key=len, reverse=True)


def _without_names(tokens: list[str], runs: list[tuple[str, ...]]) -> tuple[list[str], bool]:
    """Tokens with every occurrence of a name run removed, and whether one was."""
    if not runs:
        return tokens, False
    out, i, found = [], 0, False
    while i < len(tokens):
        run = next((r for r in runs if tuple(tokens[i : i + len(r)]) == r), None)
        if run is None:
            out.append(tokens[i])
            i += 1
        else:
            found, i = True, i + len(run)
    return out, found


def _tag_words(tag: str) -> str:
    """The words of a #hashtag or @handle ("#خان_يونس" -> "خان يونس"), or "" for a label tag ("#عاجل")."""
    words = tag[1:].replace("_", " ")
    return "" if tag[0] == "#" and "".join(_key(words).split()) in _LABEL_TAGS else f" {words} "


_WORDISH = re.compile(r"[^\W_]")  # a letter or digit: a line with one outside its tags is no footer
_UPPER = re.compile(r"(?<![^\W\d_])[A-Z]{2,}(?![^\W\d_])")


class _Line:
    """One non-empty line of a post: its normalised text and identity words.

    A tag's or handle's words are content, except on a line of nothing but tags, handles, links and
    emoji (a tag footer: "#سوريا #أخبار", "@channel"), where only a hashtag with a digit counts; a label
    tag ("#عاجل") is decoration anywhere. The signature fields are computed only for the lines at the
    edges of a post, where a signature or header may be.
    """

    def __init__(self, raw: str) -> None:
        self.raw = _LINKS.sub(" ", raw)
        self.norm = normalize(_TAGS.sub(lambda m: _tag_words(m.group()), self.raw))
        self.tokens = _tokens(self.norm)
        if self.tokens and _TAGS.search(self.raw) and self._only_tags():
            footer = " ".join(t for t in _TAGS.findall(self.raw) if t[0] == "#" and any(c.isdigit() for c in t))
            self.norm = normalize(_TAGS.sub(lambda m: _tag_words(m.group()), footer))
            self.tokens = _tokens(self.norm)
        self._had_link = self.raw != raw

    def _only_tags(self) -> bool:
        """Whether the line is nothing but tags, handles, links and emoji (a tag footer)."""
        rest = _TAGS.sub(" ", self.raw)
        return not _WORDISH.search(rest) and not _tokens(normalize(rest))

    @cached_property
    def linked(self) -> bool:
        return self._had_link or bool(_HANDLES.search(self.raw))

    @cached_property
    def bare(self) -> list[str]:
        """The words of the line without its handles (a signature may name its channel by handle)."""
        return _tokens(normalize(_TAGS.sub(lambda m: " " if m.group()[0] == "@" else _tag_words(m.group()), self.raw)))

    @cached_property
    def shouted(self) -> frozenset[str]:
        """Upper-case Latin words ("US", "UK"): names, never filler."""
        return frozenset(w.casefold() for w in _UPPER.findall(_HANDLES.sub(" ", self.raw)))


def _strip_outlets(tokens: list[str], runs: list[tuple[str, ...]]) -> bool:
    """Whether tokens are one or more known outlets or the channel's name, each maybe after "وكالة"-like words."""
    i, found = 0, False
    while i < len(tokens):
        if _in(_OUTLET_PREFIXES, tokens[i]):
            i += 1
            continue
        run = next((r for r in chain(runs, _OUTLET_RUNS) if tuple(tokens[i : i + len(r)]) == r), None)
        if run is None and tokens[i][:1] == "و" and len(tokens[i]) > 2:  # "رويترز وفرانس برس"
            rest = [tokens[i][1:], *tokens[i + 1 :]]
            run = next((r for r in chain(runs, _OUTLET_RUNS) if tuple(rest[: len(r)]) == r), None)
        if run is None:
            return False
        found, i = True, i + len(run)
    return found


def _is_signature(line: _Line, runs: list[tuple[str, ...]]) -> bool:
    """A trailing line made only of signature material: the channel's name, handle or link, a call to
    follow/join/subscribe that points at a channel, page, platform, link or handle, or a source credit
    ("المصدر: رويترز") naming only known outlets or the channel."""
    credit = _SOURCE_LINE.match(line.norm)
    if credit is not None:
        return _strip_outlets(_tokens(credit.group(1)), runs)
    rest, named = _without_names(line.bare, runs)

    def filler(t: str) -> bool:
        return t not in line.shouted and (_in(_SIGNATURE_FILLER, t) or _in(_FOLLOW_CALLS, t))

    if not all(filler(t) for t in rest):
        return False
    calls = any(_in(_FOLLOW_CALLS, t) for t in rest)
    return named or (calls and (line.linked or any(_in(_FOLLOW_TARGETS, t) for t in rest)))


def _is_header(line: _Line, runs: list[tuple[str, ...]]) -> bool:
    """A leading line that is only a label ("عاجل", "🔴 عاجل |", "خبر عاجل", "BREAKING NEWS", "متابعة")
    or the channel's name."""
    rest, named = _without_names(line.tokens, runs)
    if not all(_in(_HEADER_LABELS, t) or _in(_HEADER_FILLER, t) for t in rest):
        return False
    return named or any(_in(_HEADER_LABELS, t) for t in rest)


_EDGE_LINES = 8  # signatures and headers are looked for among this many lines at each end of a post


@lru_cache(maxsize=256)
def _content_cached(text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    runs = _name_runs(names)
    lines = [line for line in map(_Line, text.splitlines()) if line.tokens]
    stop = max(len(lines) - _EDGE_LINES, 0)
    while len(lines) > stop and _is_signature(lines[-1], runs):
        lines.pop()
    start = 0
    while start < min(len(lines), _EDGE_LINES) and _is_header(lines[start], runs):
        start += 1
    words = [t for line in lines[start:] for t in line.tokens]
    if start < len(lines):
        first = lines[start]
        label = _LABEL_PREFIX.match(first.norm)
        if label is not None:
            words[: len(first.tokens)] = _tokens(first.norm[label.end() :])
    return tuple(words)


def _content(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """The identity words of a post: everything but decoration, in order (cached: the bot asks up to
    three times per message)."""
    return _content_cached(text, tuple(names))


def content_word_count(text: str, names: Iterable[str] = ()) -> int:
    """Count the words of a post's content: what fingerprint() hashes, without the number marks and signs.

    Links, emoji, label tags ("#عاجل"), tag footers, label headers and a trailing channel signature do not
    count, so a post that is only decoration has 0 words (too short to be an article); an inline #hashtag's
    or @handle's words do. `names` as for fingerprint(). Cached, like fingerprint().
    """
    return _count_cached(text, tuple(names))


@lru_cache(maxsize=256)
def _count_cached(text: str, names: tuple[str, ...]) -> int:
    return sum(1 for t in _content_cached(text, names) if _is_word(t))


def fingerprint(text: str, names: Iterable[str] = ()) -> str:
    """Return the identity of a post's content (hex sha256): two posts share it only if they differ in
    nothing but decoration.

    The hash covers IDENTITY_VERSION and the post's words, in order, after normalize() (so whitespace and
    line breaks, diacritics, tatweel, hamza/alef/yeh forms and letter case do not count) with emoji and
    URLs (http(s)://, www., t.me/) removed. An inline #hashtag or @handle is words ("#خان_يونس" is "خان
    يونس", "#1" is "1"), except a label tag with no news ("#عاجل", "#خبر_عاجل", "#breaking"), which is
    decoration anywhere, and a line of nothing but tags, handles, links and emoji (a tag footer: "#سوريا
    #أخبار", "@channel"), which is decoration but for its hashtags with a digit. Symbols that carry
    meaning are words: the separator between two digits ("5.6" vs "5-6"), a sign ("-5", "- 5"), "%" and
    currency signs, and the up/down and yes/no marks (🔺▲⬆↑🔼 = "↑", 🔻▼⬇↓🔽 = "↓", ↗, ↘, 📈, 📉,
    ✅✔☑ = "✓", ❌✖✗✘❎ = "✗"). Besides:
    - trailing lines that are a channel signature are dropped: the channel's `names` (its title or
      username, given by the caller) with filler words, links and handles; a call to follow/join/subscribe
      /read more that points at a channel, page, platform, link or handle ("تابعونا على تلغرام", "اشترك في
      قناتنا", "Follow us @x"; "Subscribe" or "US to join" alone is content, and an upper-case word like
      "US" is never filler); or a source credit "المصدر" / "Source" / "Credit" / "نقلا عن" / "via" / "عن"
      followed only by known outlets (_OUTLETS, optionally after "وكالة"/"قناة"/"موقع"...) or the
      channel's name ("المصدر: رويترز", "Source: AFP"); any other credit line is content;
    - leading lines that are only a known label ("عاجل", "🔴 عاجل |", "خبر عاجل", "BREAKING NEWS",
      "متابعة") or the channel's name are dropped, and so is such a label opening the first line before
      a separator ("عاجل | ...", "عاجل: ...").
    Signatures and headers are looked for only among the first and last _EDGE_LINES lines. Any other word
    or number, on any line however short, makes a new fingerprint. A signature joined onto a line of the
    body is body. The version tag changes whenever this rule does, so that no analysis cached under an
    older identity (v1 hashed the bare key; v2 dropped inline tags, any short credit and "US") is served
    for a new post. Deterministic and pure; the words of the last 256 (text, names) are cached.
    """
    return hashlib.sha256(f"{IDENTITY_VERSION}\n{' '.join(_content(text, names))}".encode()).hexdigest()


def shingles(text: str, size: int = 4) -> set[int]:
    """Return hashed word n-grams of the text's key, for near-duplicate detection (looser than identity)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    words = _loose_key(text).split()
    grams = (" ".join(words[i : i + size]) for i in range(max(len(words) - size + 1, 1 if words else 0)))
    # CRC-32: stable across processes and several times cheaper than a cryptographic hash; a rare
    # collision only nudges a similarity score.
    return {zlib.crc32(g.encode()) for g in grams}


def similarity(a: set[int], b: set[int]) -> float:
    """Return the overlap of two shingle sets (containment of the smaller one, 0..1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# A sentence ends after . ! ? ؟ … ... (plus a stray comma and closing quotes/brackets) followed by
# whitespace, or at a line break. Quotation nesting is not tracked: a quote of two sentences splits.
_SENTENCE_END = re.compile(r"[.!?؟…]+[,،]?[\"'»”’›)\]]*\s+|\s*\n\s*")
_PARAGRAPH_END = re.compile(r"[^\S\n]*\n\s*")


def _split(text: str, boundaries: re.Pattern[str], skip: Callable[[re.Match[str]], bool]) -> list[str]:
    pieces, start = [], 0
    for m in boundaries.finditer(text):
        if not text[start : m.start()].strip() or skip(m):
            continue  # never a piece of bare whitespace; never after an abbreviation
        pieces.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _no_break(m: re.Match[str]) -> bool:
    # Arabic writes ".." as a pause inside a sentence ("أزمة ليبيا.. حفتر"); and a full stop after a
    # one-letter word is an abbreviation ("U.S. officials", "د. محمد"). A line break always ends one.
    text, i, mark = m.string, m.start(), m.group()
    if "\n" in mark or mark[0] != ".":
        return False
    if mark[1:2] == ".":
        return mark[2:3] != "."
    return i > 0 and text[i - 1].isalpha() and (i < 2 or not text[i - 2].isalpha())


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, keeping every character (''.join(result) == text)."""
    return _split(text, _SENTENCE_END, _no_break)


def split_paragraphs(text: str) -> list[str]:
    """Split text at blank lines / newlines, keeping every character (''.join(result) == text)."""
    return _split(text, _PARAGRAPH_END, lambda m: False)


def word_count(text: str) -> int:
    """Count words (runs of letters/digits)."""
    return len(_key(text).split())


_LETTER = re.compile(r"[^\W\d_]")  # a letter: what str.isalpha() says, bar a few numerals


def arabic_ratio(text: str) -> float:
    """Return the share of letters that are Arabic script (0..1)."""
    letters = len(_LETTER.findall(text))  # the regex engine, not a Python loop per character
    if not letters:
        return 0.0
    arabic = "".join(_ARABIC_SCRIPT.findall(text))
    return len(_LETTER.findall(arabic)) / letters


def detect_language(text: str) -> str:
    """Return 'ar' when the text is mostly Arabic script, else 'en' (ISO 639-1)."""
    return "ar" if arabic_ratio(text) >= 0.5 else "en"


def clean_article(text: str) -> str:
    """Tidy pasted or forwarded text for analysis without changing its words."""
    text = _CONTROLS.sub("", re.sub("\r\n?|[\u2028\u2029]", "\n", text))
    text = re.sub(r"[^\S\n]+(?=\n|\Z)", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def reading_minutes(text: str, wpm: int = 200) -> int:
    """Return the reading time in whole minutes, rounded up and at least 1."""
    if wpm <= 0:
        raise ValueError("wpm must be positive")
    return max(1, math.ceil(word_count(text) / wpm))
