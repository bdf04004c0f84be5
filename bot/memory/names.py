"""Entity linking of actor names (pure): `name_key`, `same_actor`, `matches`, `closest`.

One actor is one key. `name_key` reads a name as written, Arabic or Latin, in four steps:

1. Words: `bot.text.match_key` (hamza forms, ى, diacritics, case), Latin accents and apostrophes dropped.
2. Titles: leading titles and honorifics go, with the complement that makes them a role: "الأمين العام
   للأمم المتحدة", "ولي العهد السعودي الأمير", "وزير خارجية فرنسا", "المتحدث باسم حركة حماس", "UN
   Secretary-General", "Saudi Crown Prince", feminine forms included. An indefinite head ("رئيس", "وزير")
   is a title only before its complement ("أمين معلوف" keeps its name); a definite word after a title is
   part of the role only when it is a known complement (nationality, portfolio, organisation, country), a
   nisba ("البوركيني") or a word of an organisation's name, and never when it is the name's last word
   ("الرئيس الأسد", "رئيس الحكومة الدبيبة"). A name of only titles and unnamed sources ("الوزير",
   "مصدر", "مسؤول أمني", "official") has the key "".
3. Particles and compounds: بن/ابن/bin/ibn/ben → "bn", بنت/bint → "bnt"; the family particle آل and a
   standalone al/el are dropped, as is the article ال/al-/el- at a word's start; عبد/Abdel/Abdul and
   أبو/Abu/Abou are one word with the next ("عبد الفتاح" = "عبدالفتاح" = "Abdel Fattah"), as is a word with
   a following الله/الدين/الإسلام ("نصر الله" = "نصرالله" = "Nasrallah").
4. Each word to a skeleton of sound classes (ASCII, so keys read in logs):
   b ب پ b p · t ت ط t · c ث th · g غ ج گ ژ g j gh dj · h ح خ ه h kh · d د ض ذ d dh · z ز ظ z ·
   s س ص s (and ش at a word's end: غوتيريش = غوتيريس) · x ش sh ch sch · k ك k c(+a/o/u) ck ·
   q ق q · f ف ڤ f v ph · l m n r · w/y و ي w y at a word's start.
   e ع (its own class: عمر/عامر, سعد/سعيد differ by it and by the vowel after it).
   Vowels keep their quality, because Arabic long vowels tell names apart (محمد/محمود, حسن/حسين,
   حمد/حامد): a ا ة, Latin a · i ي ى, Latin e i y · u و, Latin o u w.
   A word's opening vowels (ا and a long vowel after it; Latin a e i o u) are one "a"; a final ه
   after a letter is "a" (خليفه = خليفة); medial ء is dropped; repeated classes collapse (shadda,
   "ss", "mm"). Foreign names, which Arabic writes vowel by vowel, so key alike in both scripts
   ("Guterres" = "غوتيريس" = "gutiris", "Emmanuel Macron" = "إيمانويل ماكرون").
   Arabic names in Latin letters write short vowels Arabic omits ("Mohammed"), and a few foreign names
   have two Arabic spellings (ترامب/ترمب): a table gives the usual Latin spellings and the Arabic
   variants of frequent name words their Arabic spelling (`_SPELLINGS`).

Kept apart on purpose: ج/ق/ك (جمال/كمال, جاسم/قاسم are different names), ث from ت and س (ثامر/تامر/سامر),
ش from س inside a word (هشام/حسام), and the long vowels. When unsure, two names are two actors.

`same_actor`: equal keys, or the same words but for name particles ("محمد سلمان" = "محمد بن سلمان").
A surname alone is never the same actor as a full name, and a family name (آل سعود) or a middle name is
information: "محمد بن سلمان" and "محمد بن سلمان آل سعود" are two keys (the lookup links them, below).
`matches` (a /who lookup): same_actor; or a one-word query equal to the known's last word (a surname:
several actors may match and the caller asks which); or the query's words in the known's order with
the same first and last word (a dropped middle: "بشار الأسد" finds "بشار حافظ الأسد"); or a nasab query
("محمد بن سلمان", "بن سلمان") that the known name continues (its family name). A query never matches a
known name with another first name ("صدام حفتر" is not "خليفة حفتر").
`closest`: "did you mean" by difflib ratio on the keys and on their consonant skeletons.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from bot.extract.actor_words import CONSTRUCT, FORMER, INSTITUTIONAL, ORG_HEADS, PORTFOLIOS, ROLE_WORDS
from bot.text import match_key

__all__ = ["closest", "matches", "name_key", "same_actor"]

_ARABIC = re.compile("[\u0600-\u06ff]")
_APOSTROPHES = re.compile("['’‘ʿʾ`´]")


def _words(*lines: str) -> frozenset[str]:
    return frozenset(match_key(" ".join(lines))[0].split())


# --- titles -----------------------------------------------------------------------------------------------
# Heads that are a title wherever they stand at the front (definite, or honorifics).
_AR_HEADS = _words(
    "الرئيس الرئيسة الوزير الوزيرة الأمين الأمينة المشير الشيخ الشيخة الدكتور الدكتورة د السيد السيدة",
    "الملك الملكة العاهل الأمير الأميرة اللواء العميد العقيد الفريق المقدم الجنرال النائب النائبة",
    "المتحدث المتحدثة الناطق الناطقة السفير السفيرة المبعوث المبعوثة المستشار المستشارة الزعيم الزعيمة",
    "القائد القائدة المرشد الإمام البابا الحاخام الأستاذ الأستاذة المهندس المهندسة الحاج الحاجة السلطان",
    "القاضي القاضية المفوض المفوضة المندوب المندوبة المدير المديرة المحافظ العمدة الكاردينال المطران",
    "سمو جلالة فخامة سماحة معالي دولة سيادة عطوفة دكتور دكتورة مستر مسيو مدام",
)
# Indefinite heads: a title only before their complement ("رئيس الوزراء", "وزير خارجية", "زعيم حزب").
_AR_BARE_HEADS = _words(
    "رئيس رئيسة وزير وزيرة نائب نائبة سفير سفيرة مدير مديرة محافظ زعيم زعيمة مستشار مستشارة مبعوث مبعوثة",
    "مندوب مندوبة متحدث متحدثة ناطق ناطقة قائد قائدة شيخ أمير أميرة ملك",
)
# Heads that are a title only with this next word.
_AR_PAIRS = {
    w: _words(nxt)
    for w, nxt in (
        ("ولي", "العهد"),
        ("اية", "الله العظمى"),
        ("حجة", "الإسلام"),
        ("صاحب", "السمو الجلالة الفخامة السماحة المعالي"),
        ("أمين", "عام"),
        ("أمينة", "عامة"),
    )
}
_NATIONALITY_STEMS = _words(
    "المصري السعودي الأمريكي الأميركي الروسي الفرنسي التركي الإيراني الإسرائيلي الفلسطيني السوري",
    "اللبناني العراقي الأردني الليبي التونسي الجزائري المغربي السوداني اليمني القطري الإماراتي",
    "الكويتي البحريني العماني الصيني الأوكراني البريطاني الألماني الإيطالي الإسباني الياباني الهندي",
    "الباكستاني الأفغاني الموريتاني الصومالي الإثيوبي الكوري الكندي الأسترالي البرازيلي الأوروبي",
    "الأممي الأفريقي الإفريقي العربي الخليجي الإسلامي الدولي الإقليمي الأمني العسكري الحكومي",
)
_NATIONALITIES = _NATIONALITY_STEMS | {w + "ة" for w in _NATIONALITY_STEMS}
_COUNTRIES = _words(
    "مصر السعودية أمريكا أميركا الولايات المتحدة روسيا فرنسا تركيا إيران إسرائيل فلسطين سوريا سورية لبنان",
    "العراق الأردن ليبيا تونس الجزائر المغرب السودان اليمن قطر الإمارات الكويت البحرين عمان الصين أوكرانيا",
    "بريطانيا ألمانيا إيطاليا إسبانيا اليابان الهند باكستان أفغانستان موريتانيا الصومال إثيوبيا كوريا كندا",
    "أستراليا البرازيل غزة",
)
_ORG_NAME_WORDS = _words(
    "الأمم المتحدة حزب الله الدول العربية الاتحاد الأوروبي الأفريقي حلف الناتو شمال الأطلسي مجلس الأمن",
    "التعاون الخليجي الصحة العالمية التحرير حماس فتح الجهاد الحوثي الحوثيين أنصار المكتب السياسي",
    "الوزراء وزراء الحكومة حكومة الجمهورية العهد الأركان العظمى الإسلام السيادة النواب الشورى الشعب",
)
_ROLE = (
    _words(
        "العام عام العامة عامة الأعلى العليا الراحل الراحلة المنتخب المنتخبة المنتهية ولايته ولايتها الفخري",
        "التنفيذي التنفيذية المكلف المكلفة بالإنابة بالوكالة المساعد المساعدة الأول الأولى",
    )
    | ROLE_WORDS
    | FORMER
    | INSTITUTIONAL
)
_PORTFOLIOS = frozenset(PORTFOLIOS)
_ORG_HEADS = frozenset(CONSTRUCT) | frozenset(ORG_HEADS) | _words("مكتب حلف منظمة جماعة")
_ORG_HEADS = _ORG_HEADS | {"ال" + w for w in _ORG_HEADS}
_PREPS = _words("باسم لدى لشؤون في")  # a role runs on through them ("المتحدث باسم الجيش")
_COMPLEMENT = _NATIONALITIES | _COUNTRIES | _ORG_NAME_WORDS | _ROLE | _PORTFOLIOS
# Words that only say someone is unnamed: a name of them (and titles) has no key.
_GENERIC = _words(
    "مصدر مصادر مسؤول مسؤولة مسؤولون مسؤولين شاهد شهود ناشط ناشطة ناشطون مواطن مواطنة مواطنون سكان ساكن",
    "دبلوماسي دبلوماسية دبلوماسيون محلل محللة محللون مراقب مراقبون متحدث متحدثة ناطق أحد رفيع رفيعة مطلع",
    "مطلعة مقرب مقربة أمني أمنية عسكري عسكرية حكومي حكومية طبي طبية مجهول مصري سعودي إسرائيلي فلسطيني",
    "source sources official officials spokesman spokeswoman spokesperson witness witnesses resident",
    "residents analyst analysts diplomat diplomats senior security military government unnamed anonymous",
    "a an the one",
)

# Latin: words a title is made of. A name's leading run of them goes; a strong head also takes the one
# or two words before it ("Hezbollah leader Naim Qassem", "Burkinabe President Ibrahim Traore").
_LATIN_STRONG = _words(
    "president minister premier secretary chancellor spokesman spokeswoman spokesperson ambassador envoy",
    "commander leader chief governor mayor senator chairman chairwoman speaker director representative",
    "prosecutor adviser advisor",
)
_LATIN_TITLE = _LATIN_STRONG | _words(
    "dr doctor mr mrs ms miss sir dame sheikh sheikha shaikh sheik king queen prince princess emir imam",
    "ayatollah pope rabbi sayyed sayyid field marshal general gen lt col colonel brigadier brig major maj",
    "captain capt admiral judge professor prof eng engineer hajj haj his her royal highness majesty",
    "excellency crown deputy vice acting former ex late elect interim prime secretary-general",
    "the of for to and state foreign defence defense interior finance affairs security council supreme",
    "un u n us uk eu nato united nations states kingdom arab league national",
    "egyptian saudi american french israeli palestinian russian ukrainian turkish iranian syrian lebanese",
    "iraqi jordanian libyan tunisian algerian moroccan sudanese yemeni qatari emirati kuwaiti bahraini",
    "omani chinese british german italian spanish japanese indian pakistani afghan european african",
)

# --- particles and compounds --------------------------------------------------------------------------------
_BN = {"بن": "bn", "ابن": "bn", "بنت": "bnt", "bin": "bn", "ibn": "bn", "bn": "bn", "bint": "bnt"}
_BN_INNER = {"ben": "bn"}  # Latin "ben" is a particle only inside a name ("Itamar Ben-Gvir")
_DROP = frozenset({"ال", "al", "el"})  # آل (normalised to ال) and a standalone article
_ABD = _words("عبد abd abdel abdul abdal abdil abdoul abdu")
_ABU = _words("ابو ابي abu abou abo aboul abul")
_SUFFIXES = {"الله": "la", "الدين": "din", "الاسلام": "aslam"}  # Arabic, in match_key space
_LATIN_COMPOUND_TAILS = {"islam": "aslam", "din": "din", "deen": "din", "dine": "din", "lah": "la"}
_LATIN_SUFFIXES = re.compile(r"^(\w{2,}?)(?:allah|ullah|alla|ulla|eddine|eddin|uddin|addin|aldin|eldin)$")
_LATIN_ABD = re.compile(r"^abd(?:el|al|ul|oul|il|u)?(\w{3,})$")

# Usual spellings of frequent name words: Latin spellings and Arabic variants -> one Arabic spelling.
_SPELLINGS_TABLE = """
محمد: mohammed mohamed muhammad mohammad mohamad muhammed mohammed
أحمد: ahmed ahmad | محمود: mahmoud mahmud | علي: ali | حسن: hassan hasan | حسين: hussein hussain husain hossein
خالد: khaled khalid | خليفة: khalifa khalifah | حفتر: haftar hafter hifter | صدام: saddam | سلمان: salman
بشار: bashar | حافظ: hafez hafiz | أسد: assad asad | سيسي: sisi sissi | فتاح: fattah | رحمن: rahman
عزيز: aziz | فيصل: faisal feisal | فهد: fahd fahad | سعود: saud | تميم: tamim | حمد: hamad | جاسم: jassim jasim
ثاني: thani ii | زايد: zayed zayid | نهيان: nahyan | راشد: rashid rashed | مكتوم: maktoum | يوسف: youssef yousef yusuf
إبراهيم: ibrahim | إسماعيل: ismail | هنية: haniyeh haniya haniyah | يحيى: yahya | سنوار: sinwar | نعيم: naim
قاسم: qassem qasim kassem qasem | عباس: abbas | مازن: mazen | ياسر: yasser yasir | عرفات: arafat | مرسي: morsi mursi
مبارك: mubarak | حسني: hosni | قذافي: gaddafi qaddafi kadhafi gadhafi qadhafi | معمر: muammar moammar
سيف: saif seif | صالح: saleh salih | برهان: burhan | دبيبة: dbeibah dbeiba | عمر: omar umar | عثمان: othman osman
سعيد: saeed said | سعد: saad | مصطفى: mustafa mostafa | طارق: tariq tarek | هشام: hisham hesham | حسام: hussam hossam
جمال: jamal gamal | كمال: kamal kamel | نبيه: nabih | بري: berri | ميقاتي: mikati | عون: aoun | جوزيف: joseph
نجيب: najib | نواف: nawaf | مشعل: meshal mishal | خامنئي: khamenei | رئيسي: raisi | عراقجي: araghchi | ظريف: zarif
بنيامين: benjamin binyamin | نتنياهو: netanyahu نتانياهو | سارة: sara sarah | يائير: yair | لابيد: lapid
غانتس: gantz | غالانت: gallant | سموتريتش: smotrich | إيتمار: itamar | غفير: gvir
ترامب: trump ترمب | دونالد: donald | بايدن: biden | جو: joe | بلينكن: blinken بلنكن | أنتوني: antony anthony
بوتين: putin بوتن | فلاديمير: vladimir | لافروف: lavrov | سيرغي: sergei sergey سيرجي
زيلينسكي: zelensky zelenskyy زيلنسكي
فولوديمير: volodymyr | شولتس: scholz شولتز | أولاف: olaf | ستارمر: starmer | كير: keir | ميلوني: meloni
أردوغان: erdogan | نصر: nasr | ناصر: nasser nasir | ثالث: iii | رجب: recep
طيب: tayyip tayyep | هاكان: hakan | فيدان: fidan | ولد: ould | برادعي: baradei elbaradei
"""


def _latin_letters(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


# --- skeletons ------------------------------------------------------------------------------------------------
_AR_CLASS = {
    **dict.fromkeys("بپ", "b"), **dict.fromkeys("تط", "t"), "ث": "c", **dict.fromkeys("جغگژ", "g"),
    **dict.fromkeys("حخه", "h"), **dict.fromkeys("دضذ", "d"), **dict.fromkeys("زظ", "z"),
    **dict.fromkeys("سص", "s"), "ش": "x", "ك": "k", "ق": "q", **dict.fromkeys("فڤ", "f"),
    "ل": "l", "م": "m", "ن": "n", "ر": "r", "ا": "a", "ة": "a", "ع": "e", "ي": "i", "ى": "i", "و": "u", "ء": "",
}  # fmt: skip
_LATIN_DIGRAPHS = re.compile("sch|tch|sh|ch|kh|gh|th|dh|ph|ck|dj|zh|x|c")
_DIGRAPH_CLASS = {
    "sch": "X", "tch": "X", "sh": "X", "ch": "X", "kh": "h", "gh": "g", "th": "c", "dh": "d", "ph": "f",
    "ck": "k", "dj": "g", "zh": "g", "x": "ks", "c": "k",
}  # fmt: skip
_LATIN_CLASS = {
    "a": "a", "e": "i", "i": "i", "y": "i", "o": "u", "u": "u", "w": "u", "b": "b", "p": "b", "t": "t", "d": "d",
    "f": "f", "v": "f", "g": "g", "j": "g", "h": "h", "k": "k", "q": "q", "l": "l", "m": "m", "n": "n", "r": "r",
    "s": "s", "z": "z", "X": "x",
}  # fmt: skip
_VOWEL = frozenset("aiu")
_REPEATS = re.compile(r"(.)\1+")


def _finish(classes: list[str]) -> str:
    """Opening vowels are one "a", a final ش-class is "s", repeated classes collapse."""
    i = 0
    while i < len(classes) and classes[i] in _VOWEL:
        i += 1
    out = (["a"] if i else []) + classes[i:]
    if len(out) > 1 and out[-1] == "x":
        out[-1] = "s"
    return _REPEATS.sub(r"\1", "".join(out))


def _arabic_skeleton(word: str) -> str:
    n = len(word)
    classes: list[str] = []
    for i, ch in enumerate(word):
        if i == 0 and ch == "و":
            classes.append("w")
        elif i == 0 and ch == "ي":
            classes.append("y")
        elif ch == "ه" and i == n - 1 and i > 0:
            classes.append("a")
        elif ch in _AR_CLASS:
            if _AR_CLASS[ch]:
                classes.append(_AR_CLASS[ch])
        elif ch.isalpha():
            classes.append(ch)
    return _finish(classes)


def _digraph(m: re.Match[str]) -> str:
    if m.group() == "c" and m.string[m.end() : m.end() + 1] in ("e", "i", "y"):
        return "s"  # "Cecile", "Francis"
    return _DIGRAPH_CLASS[m.group()]


def _latin_skeleton(word: str) -> str:
    w = _LATIN_DIGRAPHS.sub(_digraph, word)
    classes: list[str] = []
    for i, ch in enumerate(w):
        if i == 0 and ch in "wy":
            classes.append(ch)
        elif ch in _LATIN_CLASS:
            classes.append(_LATIN_CLASS[ch])
        elif ch.isalnum():
            classes.append(ch)
    return _finish(classes)


def _strip_article(word: str) -> str:
    return word[2:] if word.startswith("ال") and len(word) > 3 else word


def _plain_skeleton(word: str) -> str:
    if _ARABIC.search(word):
        return _arabic_skeleton(_strip_article(word))
    return _latin_skeleton(word)


def _build_spellings() -> dict[str, str]:
    table: dict[str, str] = {}
    for item in _SPELLINGS_TABLE.replace("\n", "|").split("|"):
        if ":" not in item:
            continue
        arabic, variants = item.split(":", 1)
        target = _arabic_skeleton(match_key(arabic)[0])
        for variant in variants.split():
            table[match_key(variant)[0]] = target
        table[match_key(arabic)[0]] = target
    return table


_SPELLINGS = _build_spellings()


def _skeleton(word: str) -> str:
    """One name word (in match_key space, article and all) to its skeleton."""
    bare = _strip_article(word) if _ARABIC.search(word) else word
    return _SPELLINGS.get(word) or _SPELLINGS.get(bare) or _plain_skeleton(word)


def _join(first: str, second: str) -> str:
    """A compound ("عبد" + "الفتاح"): the second word's article is not part of the key."""
    if _ARABIC.search(second):
        second = _strip_article(second)
    elif second[:3] in ("al-", "el-"):
        second = second[3:]
    return _REPEATS.sub(r"\1", _skeleton(first) + _skeleton(second))


# --- titles -------------------------------------------------------------------------------------------------
def _complement(words: list[str], j: int) -> int:
    """The index after a title's complement starting at j."""
    n, chain = len(words), False
    while j < n:
        w = words[j]
        last = j == n - 1
        if w in _PREPS and not last:
            j, chain = j + 1, True
            continue
        if w in _ORG_HEADS or (w[:1] == "ل" and (w[1:] in _ORG_HEADS or w.startswith("لل"))):
            j, chain = j + 1, True
            if j < n - 1 and words[j] not in _AR_HEADS and not words[j].startswith("ال"):
                j += 1  # an organisation's own name: "لحركة حماس يحيى السنوار"
            continue
        if w in _COMPLEMENT:
            j += 1
            continue
        definite = w.startswith("ال") and len(w) > 3 and w not in _AR_HEADS
        nisba = definite and w.endswith(("ي", "ية"))
        if definite and (chain or nisba) and not last:
            j += 1
            continue
        break
    return j


def _arabic_title(words: list[str], i: int) -> int:
    """The index after a title (head and complement) at i, or i when there is none."""
    n, w = len(words), words[i]
    nxt = words[i + 1] if i + 1 < n else ""
    if w in _AR_PAIRS:
        return _complement(words, i + 2) if nxt in _AR_PAIRS[w] else i
    if w in _AR_HEADS:
        return _complement(words, i + 1)
    if w in _AR_BARE_HEADS and nxt and _complement(words, i + 1) > i + 1:
        return _complement(words, i + 1)
    return i


def _latin_title(words: list[str]) -> int:
    """How many leading Latin words are a title."""
    n, i = len(words), 0
    while i < n and words[i] in _LATIN_TITLE:
        i += 1
    for h in range(min(3, n - 1)):  # a strong head after one or two unknown words (an organisation)
        if words[h] in _LATIN_STRONG and h >= i:
            i = h + 1
            while i < n and words[i] in _LATIN_TITLE:
                i += 1
    return i


def _strip_titles(words: list[str]) -> list[str]:
    if words and not _ARABIC.search(words[0]):
        return words[_latin_title(words) :]
    i = 0
    while i < len(words):
        j = _arabic_title(words, i)
        if j == i:
            break
        i = j
    return words[i:]


# --- keys -----------------------------------------------------------------------------------------------------
def _split_glued(word: str) -> tuple[str, str] | None:
    """A compound written as one word: "عبدالفتاح", "نصرالله", "Abdulaziz", "Nasrallah"."""
    if _ARABIC.search(word):
        if word.startswith("عبد") and len(word) > 4 and word[3:5] == "ال":
            return "عبد", word[3:]
        if word.startswith("ابو") and len(word) > 5 and word[3:5] == "ال":
            return "ابو", word[3:]
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) >= len(suffix) + 2 and word != "عبد" + suffix:
                return word[: -len(suffix)], suffix
        if word.startswith("عبد") and word.endswith("الله"):
            return "عبد", "الله"
        return None
    if word in _SPELLINGS:
        return None
    if m := _LATIN_SUFFIXES.match(word):
        return m.group(1), "allah" if "ll" in word else "aldin"
    if m := _LATIN_ABD.match(word):
        return "abd", m.group(1)
    return None


def _suffix_skeleton(word: str) -> str | None:
    """The skeleton of الله/الدين/الإسلام (and their Latin spellings) when they end a compound."""
    if word in _SUFFIXES:
        return _SUFFIXES[word]
    if word in ("allah", "ullah", "alla"):
        return "la"
    if word in ("aldin", "eldin", "din", "deen", "eddine", "uddin", "addin", "eddin"):
        return "din"
    return None


def _tokens(words: list[str]) -> list[str]:
    """Name words to key words (particles, compounds, skeletons)."""
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w in _DROP and out and i + 1 < n and words[i + 1] in _LATIN_COMPOUND_TAILS:
            out[-1] = _REPEATS.sub(r"\1", out[-1] + _LATIN_COMPOUND_TAILS[words[i + 1]])  # "Saif al-Islam"
            i += 2
            continue
        if w in _DROP or w.isdigit():
            i += 1
            continue
        if w in _BN or (out and w in _BN_INNER):
            out.append(_BN.get(w) or _BN_INNER[w])
            i += 1
            continue
        if (w in _ABD or w in _ABU) and i + 1 < n:
            j = i + 1
            while j < n - 1 and words[j] in _DROP:
                j += 1  # "Abd el Fattah", "Abu al Gheit"
            stem = "abd" if w in _ABD else "abu"
            nxt = words[j]
            tail = _suffix_skeleton(nxt) or _skeleton(_strip_article(nxt) if _ARABIC.search(nxt) else nxt)
            out.append(_REPEATS.sub(r"\1", stem + tail))
            i = j + 1
            continue
        suffix = _suffix_skeleton(w)
        if suffix and out and out[-1] not in ("bn", "bnt") and i > 0:
            out[-1] = _REPEATS.sub(r"\1", out[-1] + suffix)
            i += 1
            continue
        glued = _split_glued(w)
        if glued:
            stem, rest = glued
            head = "abd" if stem in _ABD else "abu" if stem in _ABU else _skeleton(stem)
            out.append(_REPEATS.sub(r"\1", head + (_suffix_skeleton(rest) or _skeleton(_strip_article(rest)))))
            i += 1
            continue
        skeleton = _skeleton(w)
        if skeleton:
            out.append(skeleton)
        i += 1
    return out


@lru_cache(maxsize=16384)
def _key_words(name: str) -> tuple[str, ...]:
    words = match_key(_APOSTROPHES.sub("", name))[0].split()
    words = [w if _ARABIC.search(w) else _latin_letters(w) for w in words]
    words = _strip_titles(words)
    if all(w in _GENERIC or w in _AR_HEADS or w in _LATIN_TITLE for w in words):
        return ()
    tokens = _tokens(words)
    if all(t in ("bn", "bnt") for t in tokens) or sum(len(t) for t in tokens) < 2:
        return ()
    return tuple(tokens)


def name_key(name: str) -> str:
    """The canonical key of an actor name as written, Arabic or Latin ("" when nothing identifying is left):
    titles stripped, particles and compounds made one, each word a sound-class skeleton (module docstring)."""
    return " ".join(_key_words(name))


def _core(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in ("bn", "bnt"))


def same_actor(a: str, b: str) -> bool:
    """Two names as written are one actor: equal keys, or equal but for the particles بن/bin ("محمد سلمان"
    and "Mohammed bin Salman"). Never a surname and a full name, never two first names."""
    x, y = _key_words(a), _key_words(b)
    if not x or not y:
        return False
    return x == y or (len(_core(x)) >= 2 and _core(x) == _core(y))


def _subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    it = iter(long)
    return all(w in it for w in short)


def matches(query: str, known: str) -> bool:
    """The query (what a user typed) names the known actor: the same actor; a surname alone (one word,
    the known's last); the known's words in order with the same first and last word; or a nasab the
    known name continues ("محمد بن سلمان" → "محمد بن سلمان آل سعود", "بن سلمان" → "محمد بن سلمان")."""
    q, k = _key_words(query), _key_words(known)
    if not q or not k:
        return False
    if same_actor(query, known):
        return True
    qc, kc = _core(q), _core(k)
    if not qc or not kc:
        return False
    if q[0] in ("bn", "bnt"):  # "بن سلمان": the known name's nasab, after its first word
        return any(k[i : i + len(q)] == q for i in range(1, len(k) - len(q) + 1))
    if len(qc) == 1:
        return qc[0] == kc[-1]
    if qc[0] != kc[0]:
        return False
    if qc[-1] == kc[-1] and _subsequence(qc, kc):
        return True
    return "bn" in q and kc[: len(qc)] == qc  # the known adds a family name to the nasab


_CONSONANTS = re.compile("(?<=.)[aiu]")


def _loose(key: str) -> str:
    return " ".join(_REPEATS.sub(r"\1", _CONSONANTS.sub("", w)) for w in key.split())


_FLOOR = 0.72


def closest(query: str, known: list[str], limit: int = 3) -> list[str]:
    """The known names nearest to a query that matched none ("did you mean"), best first: by difflib
    ratio of the keys and of their consonant skeletons, against the whole name and (for a one-word
    query) its last word; only those at or above the floor, one name per key."""
    q = _key_words(query)
    if not q or limit <= 0:
        return []
    qs = " ".join(q)
    ql = _loose(qs)
    seen: set[tuple[str, ...]] = set()
    scored: list[tuple[float, int, str]] = []
    for order, name in enumerate(known):
        k = _key_words(name)
        if not k or k in seen:
            continue  # one spelling per actor
        seen.add(k)
        ks = " ".join(k)
        targets = [ks] + ([k[-1]] if len(q) == 1 else [f"{k[0]} {k[-1]}"] if len(k) > 2 else [])
        score = max(
            max(difflib.SequenceMatcher(None, qs, t).ratio(), difflib.SequenceMatcher(None, ql, _loose(t)).ratio())
            for t in targets
        )
        if score >= _FLOOR:
            scored.append((-score, order, name))
    return [name for _, _, name in sorted(scored)[:limit]]
