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
from functools import cached_property
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
IDENTITY_VERSION = "naba-identity-v2"


def _words(*phrases: str) -> frozenset[str]:
    return frozenset(_key(" ".join(phrases)).split())


# Words that make a trailing line a call to follow, join, subscribe, share or read more.
_FOLLOW_CALLS = _words(
    "تابعونا تابعوا تابعنا تابع تابعني تابعوني اشترك اشتركوا اشتركو للاشتراك الاشتراك اشتراك انضم انضموا",
    "انضمو للانضمام الانضمام ادخلوا شاركوا انشروا اقرأ اقرا للمزيد لمزيد المزيد لقراءة",
    "follow join subscribe share read",
)
# Words allowed around a follow call, a channel's name or its link (never on their own).
_SIGNATURE_FILLER = _words(
    "و على عبر في من إلى الى إلينا الينا معنا لنا عن ل مع كل آخر اخر جديد أول اول بأول باول",
    "ليصلكم ليصلك يصلكم لتصلكم لحظة بلحظة",
    "الأخبار الاخبار أخبار اخبار الخبر خبر العاجلة عاجلة المستجدات التفاصيل للتفاصيل تفاصيل التالي هنا الآن",
    "رابط الرابط روابط القناة قناة قناتنا قنواتنا صفحتنا صفحة الصفحة حسابنا حساب حساباتنا موقعنا الموقع",
    "مجموعتنا المجموعة اضغط انقر شاهد شاهدوا الفيديو فيديو بالفيديو الكامل كاملا كاملة ايضا أيضا",
    "تلغرام تليغرام تلجرام تيليجرام تيلجرام تيليغرام تويتر إكس اكس فيسبوك فيس بوك انستغرام انستجرام انستقرام",
    "يوتيوب واتساب واتس اب تيك توك",
    "us on our my the a an to at for in and or of more news updates update latest breaking channel channels",
    "page link links here now click telegram twitter x facebook instagram youtube whatsapp tiktok via please",
)
# Labels that may open a source credit ("المصدر: رويترز"), and outlet words that do not count as its name.
_SOURCE_LINE = re.compile(
    r"^\W*(?:(?:المصدر|مصدر الخبر|مصدر|المصادر|source|sources|credit|credits|photo|الصورة|صورة)\s*[:：|\-–—]"
    r"|(?:نقلا عن|via)(?!\w))(.*)$"
)
_OUTLET_WORDS = _words(
    "قناة وكالة الأنباء الانباء أنباء انباء صحيفة جريدة موقع شبكة إذاعة اذاعة تلفزيون التلفزيون مجلة",
    "agency news channel tv network",
)
_MAX_CREDIT_NAME_WORDS = 3
# Lines that may head a post: a known label ("عاجل", "Breaking"), with nothing else but the words below.
_HEADER_LABELS = _words("عاجل عاجلة متابعة تحديث مباشر هام مهم breaking urgent update live flash")
_HEADER_FILLER = _words("خبر أخبار اخبار الآن الان جدا و news now just in")
# The same labels opening the first line of the body before a separator ("🔴 عاجل | ...", "عاجل: ...").
_LABEL_PREFIX = re.compile(
    r"^[^\w]*(?:خبر\s+)?(?:عاجل|عاجلة|متابعة|تحديث|breaking(?:\s+news)?|urgent|update)"
    r"[^\w|:：\-–—]*(?:[|:：]|[\-–—](?=\s))"
)
# Symbols that carry the meaning of a number are words of the identity: "5.6" is not "5-6", "50$" not
# "50€", "-5" not "5", "50%" not "50". Everything else that is not a letter or a digit is a word break.
_CURRENCY = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Sc")
_NUMBER_MARKS = re.compile(
    r"(?<=\d)\s*([.,،:/\-–—−])\s*(?=\d)|(?<![\w.,])([\-−+])(?=\d)|([%٪‰" + re.escape(_CURRENCY) + "])"
)
_MARK_WORD = {"،": ",", "–": "-", "—": "-", "−": "-", "٪": "%"}


def _tokens(norm: str) -> list[str]:
    """The identity words of a normalised line: its key's words, and the symbols that belong to numbers."""
    out: list[str] = []
    last = 0
    for m in _NUMBER_MARKS.finditer(norm):
        out += _key(norm[last : m.start()]).split()
        mark = m.group(m.lastindex or 0)
        out.append(_MARK_WORD.get(mark, mark))
        last = m.end()
    return out + _key(norm[last:]).split()


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


class _Line:
    """One non-empty line of a post: its normalised text (links and tags removed) and identity words."""

    def __init__(self, raw: str) -> None:
        stripped = _TAGS.sub(" ", _LINKS.sub(" ", raw))
        self.linked = bool(_LINKS.search(raw) or _HANDLES.search(raw))
        self.norm = normalize(stripped)
        self.tokens = _tokens(self.norm)


def _is_signature(line: _Line, runs: list[tuple[str, ...]]) -> bool:
    """A trailing line made only of signature material: the channel's name, handle or link, a call to
    follow/join/subscribe, or a source credit ("المصدر: رويترز") of a few name words without digits."""
    credit = _SOURCE_LINE.match(line.norm)
    if credit is not None:
        rest, _ = _without_names(_tokens(credit.group(1)), runs)
        if all(t.isalpha() for t in rest):  # no digits, no number marks
            return len([t for t in rest if t not in _OUTLET_WORDS]) <= _MAX_CREDIT_NAME_WORDS
    rest, named = _without_names(line.tokens, runs)
    if not all(_in(_FOLLOW_CALLS, t) or _in(_SIGNATURE_FILLER, t) for t in rest):
        return False
    return named or line.linked or any(_in(_FOLLOW_CALLS, t) for t in rest)


def _is_header(line: _Line, runs: list[tuple[str, ...]]) -> bool:
    """A leading line that is only a label ("عاجل", "🔴 عاجل |", "خبر عاجل", "BREAKING NEWS", "متابعة")
    or the channel's name."""
    rest, named = _without_names(line.tokens, runs)
    if not all(_in(_HEADER_LABELS, t) or _in(_HEADER_FILLER, t) for t in rest):
        return False
    return named or any(_in(_HEADER_LABELS, t) for t in rest)


def _content(text: str, names: Iterable[str]) -> list[str]:
    """The identity words of a post: everything but decoration, in order."""
    runs = _name_runs(names)
    lines = [line for line in map(_Line, text.splitlines()) if line.tokens]
    while lines and _is_signature(lines[-1], runs):
        lines.pop()
    start = 0
    while start < len(lines) and _is_header(lines[start], runs):
        start += 1
    words = [t for line in lines[start:] for t in line.tokens]
    if start < len(lines):
        first = lines[start]
        label = _LABEL_PREFIX.match(first.norm)
        if label is not None:
            words[: len(first.tokens)] = _tokens(first.norm[label.end() :])
    return words


def content_word_count(text: str, names: Iterable[str] = ()) -> int:
    """Count the words of a post's content: what fingerprint() hashes, without the number marks.

    Links, @handles, #hashtags, emoji, label headers and a trailing channel signature do not count, so a
    post that is only decoration has 0 words (too short to be an article). `names` as for fingerprint().
    """
    return sum(1 for t in _content(text, names) if _is_word(t))


def fingerprint(text: str, names: Iterable[str] = ()) -> str:
    """Return the identity of a post's content (hex sha256): two posts share it only if they differ in
    nothing but decoration.

    The hash covers IDENTITY_VERSION and the post's words, in order, after normalize() (so whitespace and
    line breaks, diacritics, tatweel, hamza/alef/yeh forms and letter case do not count) with emoji, URLs
    (http(s)://, www., t.me/), @handles and #hashtags removed. Symbols that belong to numbers are words:
    the separator between two digits ("5.6" vs "5-6"), a sign ("-5"), "%" and currency signs. Besides:
    - trailing lines that are a channel signature are dropped: only the channel's `names` (its title or
      username, given by the caller), links and handles, a call to follow/join/subscribe/read more
      ("تابعونا على تلغرام", "اشترك في قناتنا", "Follow us") or a source credit of at most three name
      words without digits ("المصدر: رويترز", "Source: AFP");
    - leading lines that are only a known label ("عاجل", "🔴 عاجل |", "خبر عاجل", "BREAKING NEWS",
      "متابعة") or the channel's name are dropped, and so is such a label opening the first line before
      a separator ("عاجل | ...", "عاجل: ...").
    Any other word or number, on any line however short, makes a new fingerprint. A signature joined onto
    a line of the body is body. The version tag changes whenever this rule does, so that no analysis
    cached under an older identity (v1 hashed the bare key and dropped every short trailing line) is
    served for a new post. Deterministic and pure.
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


def arabic_ratio(text: str) -> float:
    """Return the share of letters that are Arabic script (0..1)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _ARABIC_SCRIPT.match(c)) / len(letters)


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
