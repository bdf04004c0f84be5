"""The words of Arabic reporting clauses: reporting verbs with their gender, stop words, titles, issuers.

A past-tense reporting verb is listed once in the masculine singular (قال، أوصى، دعا); its feminine
(قالت، أوصت، دعت), plural (قالوا، دعوا) and dual (قالا) forms are generated. Present forms (يقول،
تقول) carry their gender in the prefix, the participles (مضيفا، مضيفة) in the ending. `VERB` matches
any of them with و/ف, diacritics and any alef form; `verb_gender` tells "m", "f" or "p".
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.text import normalize

__all__ = [
    "AMBIGUOUS",
    "CONTINUERS",
    "CONTINUER_KEYS",
    "DOCUMENTS",
    "LETTER",
    "NOUN_LIKE",
    "ORG_HEADS",
    "STOPS",
    "TITLES",
    "TITLE_LINKS",
    "VERB",
    "flex",
    "l_complement",
    "verb_base",
    "verb_gender",
    "verb_matches",
    "word_key",
    "word_keys",
    "words",
]

MARK = "[\u064b-\u0652\u0640]*"  # diacritics or tatweel a writer may put between letters
LETTER = "\u0621-\u064a\u0671-\u06d3"


@lru_cache(maxsize=16384)
def word_key(word: str) -> str:
    """normalize() of a word or short phrase, remembered (the same words recur in every article)."""
    return normalize(word)


def words(*lines: str) -> list[str]:
    """The words of space-separated word lists."""
    return " ".join(lines).split()


def word_keys(*lines: str) -> frozenset[str]:
    """The normalised words of space-separated word lists."""
    return frozenset(normalize(w) for w in words(*lines))


def flex(word: str) -> str:
    """A regex for an Arabic word allowing any alef form for a bare or hamzated alef and diacritics."""
    out = []
    for ch in word:
        out.append("[اأإآ]" if ch in "اأإآ" else re.escape(ch))
        out.append(MARK)
    return "".join(out)


# Past-tense reporting verbs (masculine singular).
_PAST = words(
    "قال أضاف أكد أوضح صرح كتب تابع أشار اعتبر شدد ختم اختتم أعلن ذكر أفاد لفت بين رأى زعم حذر غرد",
    " استطرد أردف علق أجاب رد نقل تساءل استدرك أقر نفى وصف أوصى قرر طالب تعهد ادعى أبلغ أعرب اتهم",
    " طلب دعا ناشد اعترف كشف روى هدد توقع رجح حث نبه نوه وعد أدان انتقد استنكر",
)
# Present forms: the prefix ي is masculine, ت feminine; يـ…ون plural.
_PRESENT = words("يقول يضيف يؤكد يشير يوضح")
# Participles and present forms that carry on the current speaker ("، مضيفا: «…»").
CONTINUERS = words(
    "مضيفا مضيفة قائلا قائلة مؤكدا مؤكدة موضحا موضحة مشيرا مشيرة متابعا متابعة معتبرا معتبرة مشددا",
    " مشددة متسائلا متسائلة مستدركا مستدركة لافتا لافتة منوها منوهة مبينا مبينة ذاكرا ذاكرة قائلين",
    " مضيفين مؤكدين مشيرين محذرا محذرة",
)
# Verbs with another everyday sense (تابعت = followed, بين = between): a reporting verb only when
# speech follows its subject (a colon, a quotation mark, إن/أن, قائلا).
AMBIGUOUS = word_keys("تابع بين")
# Verbs spelled like their verbal noun (طلب = a request, نقل = transport): the bare masculine form
# with no و/ف is a reporting verb only when speech follows, as for AMBIGUOUS.
NOUN_LIKE = word_keys("طلب رد توقع وعد كشف نقل")


def _forms(verb: str) -> list[tuple[str, str]]:
    if verb.endswith(("ى", "ا")):  # أوصى -> أوصت، أوصوا؛ دعا -> دعت، دعوا
        stem = verb[:-1]
        return [(verb, "m"), (stem + "ت", "f"), (stem + "وا", "p")]
    return [(verb, "m"), (verb + "ت", "f"), (verb + "وا", "p"), (verb + "ن", "p"), (verb + "ا", "p")]


def _present(verb: str) -> list[tuple[str, str]]:
    return [(verb, "m"), ("ت" + verb[1:], "f"), (verb + "ون", "p")]


_GENDER: dict[str, str] = {}
_BASE: dict[str, str] = {}
for _v in _PAST:
    for _f, _g in _forms(_v):
        _GENDER.setdefault(normalize(_f), _g)
        _BASE.setdefault(normalize(_f), normalize(_v))
for _v in _PRESENT:
    for _f, _g in _present(_v):
        _GENDER.setdefault(normalize(_f), _g)
        _BASE.setdefault(normalize(_f), normalize(_v))
for _c in CONTINUERS:
    _GENDER[normalize(_c)] = "f" if _c.endswith("ة") else "p" if _c.endswith("ين") else "m"
    _BASE[normalize(_c)] = normalize(_c)

# Source markers: the speaker follows ("وفقا للوزير", "بحسب المصادر", "نقلا عن مسؤول").
_SOURCES = ("وفقا", "وفق", "بحسب", "حسب", "نقلا")
# "وجاء في البيان", "جاء ذلك في مقابلة للوزير": the statement or the interview is the source.
_CAME = flex("جاء") + f"(?:\\s+(?:{flex('ذلك')}|{flex('هذا')}))?\\s+(?:{flex('في')}|{flex('خلال')})"

_ALL_FORMS = sorted({f for v in _PAST for f, _ in _forms(v)} | {f for v in _PRESENT for f, _ in _present(v)}, key=len)
VERB = re.compile(
    f"(?<![{LETTER}])(?P<verb>[وف]?(?:"
    + "|".join(flex(v) for v in reversed(_ALL_FORMS))
    + f")|(?:{'|'.join(flex(c) for c in CONTINUERS)})"
    + f"|(?P<source>[وف]?(?:{'|'.join(flex(s) for s in _SOURCES)}|{_CAME})))(?![{LETTER}])"
)
CONTINUER_KEYS = frozenset(normalize(c) for c in CONTINUERS)
# A cheap key for the per-word look-up (alef forms and diacritics only; VERB decides).
_CHEAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "\u0640": None, **{chr(c): None for c in range(0x64B, 0x653)}})
_FIRST_WORDS = frozenset(w.translate(_CHEAP) for w in (*_ALL_FORMS, *CONTINUERS, *_SOURCES, "جاء"))
_TOKEN = re.compile(f"[{LETTER}\u064b-\u0652\u0640]+")


def verb_matches(text: str) -> list[re.Match[str]]:
    """Every match of VERB in text, in order (a dictionary look-up per word, then VERB where one may start)."""
    out = []
    for t in _TOKEN.finditer(text):
        key = t.group().translate(_CHEAP)
        if key in _FIRST_WORDS or (key[:1] in "وف" and key[1:] in _FIRST_WORDS):
            m = VERB.match(text, t.start())
            if m:
                out.append(m)
    return out


def _key(verb: str) -> str:
    key = normalize(verb)
    return key[1:] if key[:1] in "وف" and key[1:] in _GENDER else key


def verb_gender(verb: str) -> str:
    """ "m", "f" or "p" (plural) for a reporting verb or participle as written; "" for a source marker."""
    return _GENDER.get(_key(verb), "")


def verb_base(verb: str) -> str:
    """The normalised masculine singular of a reporting verb as written ("وقالت" -> "قال"); else ""."""
    return _BASE.get(_key(verb), "")


# Words that end a speaker: complementisers, prepositions that start an adjunct, time words, "قوله".
STOPS = word_keys(
    "إن أن إنه أنه إنها أنها إنهم أنهم إننا أننا بأن بأنه بأنها في خلال أمام عبر إلى الى لدى عن من",
    " مع حين عندما بعد قبل إثر ضمن وسط أثناء يوم اليوم أمس مساء صباح الأحد الاثنين الثلاثاء الأربعاء",
    " الخميس الجمعة السبت قوله قولها قولهم لـ ل وإن وأن حول إنّ أنّ لوكالة لصحيفة لقناة لشبكة لموقع",
    " لإذاعة لتلفزيون لمجلة للصحفيين للصحافيين للصحافة لوسائل هذا هذه ذلك الذي التي الذين وهو وهي",
    " الإثنين نظيره نظيرته نظيرها نظراءه",
)
# Nouns that speak for their issuer: "وأضاف البيان" is whoever issued the statement.
DOCUMENTS = word_keys(
    "بيان تقرير رسالة تغريدة منشور مقابلة كلمة خطاب حديث تصريحات تصريح مؤتمر لقاء",
)
# Person titles whose head word may open a speaker; the name follows the title's ال-words.
TITLES = word_keys(
    "وزير وزيرة رئيس رئيسة نائب نائبة متحدث متحدثة ناطق ناطقة أمين أمينة سفير سفيرة مدير مديرة قائد",
    " قائدة زعيم زعيمة شيخ دكتور د مستشار مستشارة ملك ملكة أمير أميرة مندوب مندوبة ممثل ممثلة مبعوث",
    " مبعوثة محافظ عمدة عقيد لواء عميد جنرال مدرب مدربة كاتب كاتبة صحفي صحفية محلل محللة خبير خبيرة",
    " بروفيسور مساعد مهندس مهندسة طبيب طبيبة محامي محامية أستاذ أستاذة قاضي قاضية نقيب رائد مقدم منسق",
    " منسقة مفوض مفوضة",
)
# Words a title may run through before the name: "المتحدث باسم وزارة…", "رئيس حزب…", "لاتحاد…".
TITLE_LINKS = word_keys(
    "باسم لشؤون العام عام وزراء وزارة مجلس حكومة حزب حركة منظمة جمعية لجنة هيئة جهاز دولة جامعة شركة بنك",
    " وكالة اتحاد نادي مجموعة فريق منتخب جيش قوات لدى جماعة نقابة برنامج مكتب صندوق مفوضية بعثة مؤسسة",
    " معهد مركز",
)
# Head nouns of an organisation's name: "البنك" after "بنك فلان الألماني" names that bank.
ORG_HEADS = word_keys(
    "لجنة وزارة وكالة بنك شركة منظمة حركة حزب جماعة هيئة مجلس محكمة جيش اتحاد حكومة رئاسة مكتب نقابة",
    " جمعية جامعة صحيفة قناة شبكة مؤسسة مركز مجموعة تحالف ائتلاف سفارة إدارة مديرية بلدية برلمان",
)

# Names that start with ل and could pass for "ل" + a noun ("لطيفة العلي", "لقمان الأحمد").
_L_NAMES = word_keys("لطيفة لقمان لبيب لمياء لبنى لطفي لميس لؤي لمى")


def l_complement(key: str, nxt: str) -> bool:
    """Whether a normalised word is ل + a noun in construct with the definite word after it ("لبرنامج
    الأمم", "لصندوق النقد"), the complement of a title; not a name in ل ("ليلى", "لينا") or a stop word."""
    rest = key[1:]
    return (
        key.startswith("ل")
        and not key.startswith("لل")
        and len(rest) >= 4
        and rest[0] not in "ياو"
        and key not in _L_NAMES
        and key not in STOPS
        and rest not in STOPS
        and nxt.startswith(("ال", "لل"))
    )
