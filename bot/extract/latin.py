"""Arabic names in Latin letters, for English replies of a rule-based brief: `to_latin`.

Table-based, written here: PyPI has no small maintained library for readable name romanisation
(pyarabic and lang-trans map letters to Buckwalter/ISO 233 codes, "mHmd" or "mḥmd"; camel-tools is far
too heavy; the ONNX-based name romanisers bring a model runtime). The rules, in order:
- a name with no Arabic letter is returned as it is;
- a table of frequent first names, surnames and particles gives their usual English spelling
  ("محمد" -> "Mohammed", "بن" -> "bin", "عبد الله" -> "Abdullah");
- "عبد" with the next word is one name ("عبد الرحمن" -> "Abd al-Rahman"); the article "ال" is "al-"
  (lower case inside a name, "Al-" at its start); taa marbuta is "a";
- other words letter by letter: ا/و/ي are long vowels (a/u/i, or w/y next to a vowel), ع between
  consonants is "a", ئ after ا is "e" ("Wael"), a consonant pair at the start of a word gets an "a"
  unless it is a Western onset cluster ("tr", "br", "kl", "st"…), which keeps foreign names close to
  their spelling; the pairs are letters, not characters ("sh" from ش is one consonant);
- every word is capitalised. Unvowelled Arabic leaves short vowels unknown, so the result is a readable
  guess ("ماكرون" -> "Makrun"), not a scholarly transliteration.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["to_latin"]

_ARABIC = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_MARKS = re.compile("[\u064b-\u0650\u0652-\u065f\u0670\u0640]")  # diacritics but shadda
_SHADDA = "\u0651"

_LETTERS = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z",
    "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "gh", "ف": "f", "ق": "q", "ك": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h", "پ": "p", "چ": "ch", "ڤ": "v", "گ": "g", "ژ": "zh", "ک": "k",
}  # fmt: skip
_VOWELS = {"ا": "a", "آ": "a", "أ": "a", "إ": "i", "ى": "a", "و": "u", "ي": "i", "ی": "i"}
_GLOTTAL = "ءؤئ"
# A consonant: a digraph is one ("sh" in "shadi" is never "s" + "h").
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")
_CODAS = frozenset(re.findall("..", "stntndrtrdrknslsltldmpnkngrnrgrskstsskftkt"))
_ONSETS = frozenset(re.findall("..", "trbrkrgrfrdrprblklflglplstskspsmsnswtwkw"))

# Usual English spellings of frequent name words (keys without diacritics; hamza forms as written).
_NAMES = {
    "محمد": "Mohammed", "أحمد": "Ahmed", "احمد": "Ahmed", "محمود": "Mahmoud", "علي": "Ali", "حسن": "Hassan",
    "حسين": "Hussein", "خالد": "Khaled", "سلمان": "Salman", "عمر": "Omar", "عثمان": "Othman", "يوسف": "Youssef",
    "إبراهيم": "Ibrahim", "ابراهيم": "Ibrahim", "مصطفى": "Mustafa", "سعيد": "Saeed", "صالح": "Saleh",
    "فهد": "Fahd", "فيصل": "Faisal", "سعد": "Saad", "سعود": "Saud", "زايد": "Zayed", "راشد": "Rashid",
    "حمد": "Hamad", "حمدان": "Hamdan", "تميم": "Tamim", "نايف": "Nayef", "طلال": "Talal", "وليد": "Walid",
    "جمال": "Jamal", "كمال": "Kamal", "عادل": "Adel", "عماد": "Imad", "هشام": "Hisham", "طارق": "Tariq",
    "ياسر": "Yasser", "ياسين": "Yassin", "إسماعيل": "Ismail", "اسماعيل": "Ismail", "موسى": "Musa",
    "عيسى": "Issa", "مريم": "Maryam", "فاطمة": "Fatima", "عائشة": "Aisha", "خديجة": "Khadija", "زينب": "Zainab",
    "نور": "Nour", "ليلى": "Layla", "سارة": "Sara", "هدى": "Huda", "منى": "Mona", "رانيا": "Rania",
    "مرسي": "Morsi", "السيسي": "al-Sisi", "الأسد": "al-Assad", "بشار": "Bashar", "حافظ": "Hafez",
    "نصر": "Nasr", "نصرالله": "Nasrallah", "نصر الله": "Nasrallah", "جبريل": "Jibril", "منصور": "Mansour",
    "هادي": "Hadi", "عباس": "Abbas", "مهدي": "Mahdi", "جعفر": "Jaafar", "رضا": "Reza", "جواد": "Javad",
    "حسان": "Hassan", "أنور": "Anwar", "انور": "Anwar", "سامي": "Sami", "سامح": "Sameh", "شكري": "Shoukry",
    "رجب": "Recep", "طيب": "Tayyip", "أردوغان": "Erdogan", "اردوغان": "Erdogan", "نجيب": "Najib",
    "عبدالله": "Abdullah", "عبد الله": "Abdullah", "عبدالعزيز": "Abdulaziz", "عبد العزيز": "Abdulaziz",
    "عبدالرحمن": "Abdulrahman", "عبد الرحمن": "Abd al-Rahman", "عبد الملك": "Abd al-Malik",
    "عبد الفتاح": "Abdel Fattah", "عبدالفتاح": "Abdel Fattah", "عبد ربه": "Abd Rabbuh", "أبو": "Abu", "ابو": "Abu",
    "بن": "bin", "ابن": "ibn", "بنت": "bint", "آل": "Al", "ولد": "Ould", "الله": "Allah",
    "دونالد": "Donald", "ترامب": "Trump", "ترمب": "Trump", "فلاديمير": "Vladimir", "بوتين": "Putin",
    "إيمانويل": "Emmanuel", "ايمانويل": "Emmanuel", "ماكرون": "Macron", "أنطونيو": "Antonio",
    "غوتيريش": "Guterres", "غوتيريس": "Guterres", "جو": "Joe", "بايدن": "Biden", "باراك": "Barack",
    "أوباما": "Obama", "اوباما": "Obama", "جون": "John", "مايك": "Mike", "جورج": "George", "ديفيد": "David",
    "مايكل": "Michael", "جيمس": "James", "روبرت": "Robert", "ريتشارد": "Richard", "بيتر": "Peter",
    "أنجيلا": "Angela", "ميركل": "Merkel", "تيريزا": "Theresa", "ماي": "May", "بوريس": "Boris",
    "جونسون": "Johnson", "سيرغي": "Sergei", "سيرجي": "Sergei", "لافروف": "Lavrov", "ديمتري": "Dmitry",
    "بنيامين": "Benjamin", "نتنياهو": "Netanyahu", "شي": "Xi", "جين": "Jin", "بينغ": "Ping",
    # فاعل first names: unvowelled, the letters read "Samar"; English writes them with e ("Samer").
    "سامر": "Samer", "ماهر": "Maher", "جابر": "Jaber", "ناصر": "Nasser", "حازم": "Hazem", "باسم": "Bassem",
    "باسل": "Bassel", "حاتم": "Hatem", "عاصم": "Assem", "كاظم": "Kazem", "نادر": "Nader", "جاسم": "Jassim",
    "قاسم": "Qassem", "صابر": "Saber", "شاكر": "Shaker", "عامر": "Amer", "زاهر": "Zaher", "غانم": "Ghanem",
    "حامد": "Hamed", "ماجد": "Majed", "فارس": "Fares", "هاشم": "Hashem", "صادق": "Sadiq", "عارف": "Aref",
    "طاهر": "Taher", "مازن": "Mazen", "سالم": "Salem", "كامل": "Kamel", "عاطف": "Atef", "وائل": "Wael",
    "رائد": "Raed", "نائل": "Nael", "فادي": "Fadi", "شادي": "Shadi", "هاني": "Hani", "رامي": "Rami",
    "ناجي": "Naji", "جاد": "Jad", "واصف": "Wasef", "ساجد": "Sajed", "عابد": "Abed", "خاطر": "Khater",
    "ثامر": "Thamer", "فايز": "Fayez", "هيثم": "Haitham", "غسان": "Ghassan",
    # Other frequent first names the letters read badly ("Krim" for كريم: "kr" reads as a Western onset).
    "كريم": "Karim", "سمير": "Samir", "بلال": "Bilal", "فراس": "Firas", "يونس": "Younes", "أنس": "Anas",
    "أسامة": "Osama", "اسامة": "Osama", "زياد": "Ziad", "مراد": "Murad", "يحيى": "Yahya", "رياض": "Riad",
    "منير": "Mounir", "بسام": "Bassam", "عصام": "Issam", "مهند": "Muhannad", "لؤي": "Louay", "هبة": "Heba",
    "نزار": "Nizar", "ريم": "Reem", "نادين": "Nadine",
}  # fmt: skip
_NAMES_KEYED = {_MARKS.sub("", k).replace(_SHADDA, ""): v for k, v in _NAMES.items()}


def _consonant(unit: str) -> bool:
    """A letter's Latin spelling that is a consonant ("sh", "b", "w"), not a vowel, a hamza or a digit."""
    return bool(unit) and all(c in _CONSONANTS for c in unit)


def _letters(word: str) -> str:
    """A word letter by letter (see the module docstring)."""
    out: list[str] = []
    n = len(word)
    for i, ch in enumerate(word):
        prev = next((o for o in reversed(out) if o), "")
        prev_vowel = bool(prev) and prev[-1] in "aiu"
        if ch == _SHADDA:
            if out and out[-1] not in "aiu":
                out.append(out[-1][-1])
            continue
        if ch == "ة":
            out.append("a" if not (out and out[-1] == "a") else "")
        elif ch == "ع":
            nxt = word[i + 1] if i + 1 < n else ""
            out.append("" if (nxt and nxt in "اآ") or (prev_vowel and i == n - 1) else "a" if not prev_vowel else "")
        elif ch == "ئ" and 0 < i < n - 1 and word[i - 1] in "اآ":
            out.append("e")  # "وائل" -> "wael", "رائد" -> "raed"
        elif ch in _GLOTTAL:
            out.append("" if i in (0, n - 1) or prev_vowel else "'")
        elif ch in "وي":
            at_start = i == 0
            nxt = word[i + 1] if i + 1 < n else ""
            if at_start or (nxt and nxt in "اآوي") or prev_vowel:
                out.append("w" if ch == "و" else "y")
            else:
                out.append(_VOWELS[ch])
        elif ch in _VOWELS:
            out.append(("a" if ch != "إ" else "i") if i == 0 or not prev_vowel else "")
        elif ch in _LETTERS:
            out.append(_LETTERS[ch])
        elif ch.isalnum():
            out.append(ch)
    # Letters, not characters: "sh" from ش is one consonant, "th" from ت + ح two.
    units = [u for u in out if u]
    # Arabic words do not start with two consonants: "slman" -> "salman", unless the pair is a
    # Western onset ("trump", "klaus").
    if len(units) >= 2 and _consonant(units[0]) and _consonant(units[1]) and units[0] + units[1] not in _ONSETS:
        units.insert(1, "a")
    a, b = (units[-2], units[-1]) if len(units) >= 2 else ("", "")
    if (
        _consonant(a) and _consonant(b) and len("".join(units)) > 3 and a + b not in _CODAS and a not in "wy"
    ):  # "hftr" -> "haftar"
        units.insert(len(units) - 1, "a")
    return "".join(units)


def _word(word: str, first: bool) -> str:
    bare = _MARKS.sub("", word)
    key = bare.replace(_SHADDA, "")
    if key in _NAMES_KEYED:
        return _NAMES_KEYED[key]
    if not _ARABIC.search(key):
        return word
    if key.startswith("ال") and len(key) > 3:
        rest = key[2:]
        body = _NAMES_KEYED.get(rest) or _letters(bare[2:] if bare.startswith("ال") else rest).capitalize()
        return ("Al-" if first else "al-") + body
    if key.startswith("عبد") and len(key) > 4 and key[3:5] == "ال":  # glued "عبدالكريم"
        return "Abd al-" + _letters(key[5:]).capitalize()
    return _letters(bare).capitalize()


@lru_cache(maxsize=4096)
def to_latin(name: str) -> str:
    """A readable Latin spelling of an Arabic name ("محمد بن سلمان" -> "Mohammed bin Salman").

    A name with no Arabic letter comes back unchanged. Deterministic and pure; see the module docstring.
    """
    if not _ARABIC.search(name):
        return name
    words = [w for w in re.split(r"[\s_\-]+", name.strip()) if w]
    out: list[str] = []
    i = 0
    while i < len(words):
        word, key = words[i], _MARKS.sub("", words[i]).replace(_SHADDA, "")
        nxt = _MARKS.sub("", words[i + 1]).replace(_SHADDA, "") if i + 1 < len(words) else ""
        pair = f"{key} {nxt}"
        if nxt and pair in _NAMES_KEYED:
            out.append(_NAMES_KEYED[pair])
            i += 2
            continue
        if key == "عبد" and nxt:
            rest = _word(words[i + 1], first=False)
            out.append("Abd " + rest)
            i += 2
            continue
        out.append(_word(word, first=not out))
        i += 1
    return " ".join(out)
