"""The words find_actors (actors.py) reads actors by: title heads and their English, ministers'
portfolios, role modifiers, organisation heads, name particles and the words that end a name.

Every key is in normalize() space (bot.text); the tables are "Arabic|English" pairs separated by ";".
"""

from __future__ import annotations

from bot.text import normalize

__all__ = [
    "ARTICLE_CONNECTORS",
    "BARE_OK",
    "CONNECTORS",
    "CONSTRUCT",
    "DEFINITE_ONLY",
    "FORMER",
    "GROUP_HEADS",
    "HEADS",
    "INSTITUTIONAL",
    "INSTITUTIONS",
    "MINISTRIES",
    "NAMED_ORG_HEADS",
    "NAME_STOPS",
    "NATIONAL_HEADS",
    "ORG_HEADS",
    "PORTFOLIOS",
    "PREPS",
    "ROLE_WORDS",
    "SPECIAL",
    "SPECIAL_HEADS",
    "VERB_STEMS",
]


def _keys(*lines: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in " ".join(lines).split())


def _table(block: str) -> dict[str, str]:
    out = {}
    for item in block.replace("\n", ";").split(";"):
        if "|" in item:
            ar, en = item.split("|", 1)
            out[normalize(ar.strip())] = en.strip()
    return out


# Title heads (without ال) -> English.
HEADS = _table("""
رئيس|President; رئيسة|President; وزير|Minister; وزيرة|Minister; نائب|Deputy; نائبة|Deputy
أمين|Secretary; أمينة|Secretary; متحدث|Spokesperson; متحدثة|Spokesperson; ناطق|Spokesperson; ناطقة|Spokesperson
سفير|Ambassador; سفيرة|Ambassador; زعيم|Leader; زعيمة|Leader; قائد|Commander; قائدة|Commander; ملك|King
ملكة|Queen; عاهل|King; أمير|Prince; أميرة|Princess; شيخ|Sheikh; شيخة|Sheikha; مشير|Field Marshal
لواء|Major General; عميد|Brigadier General; عقيد|Colonel; جنرال|General
دكتور|Dr.; دكتورة|Dr.; د|Dr.; بروفيسور|Professor; مدير|Director; مديرة|Director; محافظ|Governor
مستشار|Adviser; مستشارة|Adviser; مندوب|Representative; مندوبة|Representative; مبعوث|Envoy; مبعوثة|Envoy
مفوض|Commissioner; مفوضة|Commissioner; مدرب|Coach; قس|Pastor; قاضي|Judge; قاضية|Judge; عمدة|Mayor
مرشد|Guide; طبيب|Doctor; طبيبة|Doctor; باحث|Researcher; باحثة|Researcher; خبير|Expert; خبيرة|Expert
محامي|Lawyer; محامية|Lawyer; صحفي|Journalist; صحفية|Journalist; منسق|Coordinator; منسقة|Coordinator
ضابط|Officer; نقيب|Captain; رائد|Major; مقدم|Lieutenant Colonel
""")
# Heads that name a rank or honorific: a name may follow them without "ال" ("د. فلان", "شيخ فلان").
BARE_OK = _keys("د دكتور دكتورة")
# Heads too common as plain nouns to be a title without "ال" or a construct ("فريق" team, "رائد" pioneer).
DEFINITE_ONLY = _keys(
    "فريق رائد مقدم نقيب قائد مرشد صحفي صحفية ضابط أمين أمينة طبيب طبيبة باحث باحثة خبير خبيرة محامي محامية",
    "منسق منسقة",
)
# Two-word roles whose English is not the sum of their words.
SPECIAL = {
    tuple(normalize(ar).split()): en
    for ar, en in _table("""
رئيس الوزراء|Prime Minister; رئيسة الوزراء|Prime Minister; رئيس الحكومة|Prime Minister
رئيسة الحكومة|Prime Minister; رئيس الجمهورية|President; أمين العام|Secretary-General; أمينة العامة|Secretary-General
ولي العهد|Crown Prince; نائب الرئيس|Vice President; رئيس التنفيذي|CEO; مدير التنفيذي|Executive Director
رئيس الأركان|Chief of Staff; مرشد الأعلى|Supreme Leader; نائب العام|Attorney General; مدعي العام|Prosecutor
""").items()
}
SPECIAL_HEADS = _keys("ولي مدعي")  # heads that exist only in a SPECIAL pair
# Ministers' portfolios -> English ("وزير الخارجية" -> "Foreign Minister", "وزارة الخارجية" -> "Foreign Ministry").
PORTFOLIOS = _table("""
الخارجية|Foreign; الدفاع|Defence; الداخلية|Interior; المالية|Finance; الاقتصاد|Economy; التجارة|Trade
العدل|Justice; الصحة|Health; التعليم|Education; التربية|Education; الطاقة|Energy; النفط|Oil
الإعلام|Information; الزراعة|Agriculture; النقل|Transport; الإسكان|Housing; العمل|Labour; السياحة|Tourism
الثقافة|Culture; البيئة|Environment; الاتصالات|Communications; الرياضة|Sports; الشباب|Youth
الخزانة|Treasury; الأوقاف|Endowments; الري|Irrigation; المياه|Water; الصناعة|Industry; الاستثمار|Investment
""")
PORTFOLIOS.update({k[2:]: v for k, v in list(PORTFOLIOS.items())})  # construct: "وزير خارجية فرنسا"
# Modifiers a title may run through with what they add to the English role.
PREPS = {normalize("باسم"): "for", normalize("لدى"): "to", normalize("لشؤون"): "for"}
FORMER = _keys("السابق السابقة الأسبق الأسبقة")
ROLE_WORDS = _keys("المؤقت المؤقتة الحالي الحالية المكلف المكلفة الأول الأولى الجديد الجديدة العام العامة")
# Nouns that may stand in construct inside a role ("رئيس حكومة الوفاق", "المتحدث باسم وزارة…").
CONSTRUCT = _keys(
    "وزارة حكومة دولة مجلس هيئة لجنة بعثة شركة منظمة جامعة وكالة حزب حركة جماعة جيش قوات اتحاد جمعية",
    "مكتب صندوق بنك مؤسسة معهد مركز مستشفى نادي منتخب جبهة تنظيم شؤون خارجية دفاع داخلية مالية",
)
# Organisation heads in construct ("وزارة الدفاع") and those that may take a proper name ("جامعة برغين").
ORG_HEADS = _table("""
وزارة|Ministry; حزب|Party; حركة|Movement; جامعة|University; منظمة|Organization; هيئة|Authority
وكالة|Agency; مجلس|Council; صندوق|Fund; جمعية|Association; اتحاد|Union; مستشفى|Hospital; جبهة|Front
لجنة|Committee; محكمة|Court; جيش|Army; بنك|Bank; مؤسسة|Foundation; معهد|Institute; شركة|Company
نادي|Club; قوات|Forces
""")
NAMED_ORG_HEADS = _keys("حزب حركة جامعة نادي جيش بنك جبهة")
# Definite heads that are an organisation with a nationality adjective ("الحكومة التونسية").
NATIONAL_HEADS = _table("""
الحكومة|government; الجيش|army; الشرطة|police; البرلمان|parliament; الرئاسة|presidency
النيابة|prosecution; القضاء|judiciary; البحرية|navy; المخابرات|intelligence; الاستخبارات|intelligence
القوات|forces; الخارجية|Foreign Ministry; الداخلية|Interior Ministry; الدفاع|Defence Ministry
المعارضة|opposition; السلطات|authorities; البنك المركزي|central bank; النظام|regime
""")
GROUP_HEADS = _keys("المعارضة")
# Definite institution heads that need an institutional adjective ("المجلس الوطني…").
INSTITUTIONS = _keys(
    "الوكالة المجلس الاتحاد الهيئة الجمعية البنك المركز المنظمة اللجنة الحزب الحركة الجبهة المحكمة",
    "الصندوق المؤسسة المعهد النادي",
)
INSTITUTIONAL = _keys(
    "الوطني الوطنية الدولي الدولية العام العامة المركزي القومي القومية العليا الأعلى الاتحادي الاتحادية",
    "الفيدرالي الفيدرالية الشعبي الشعبية الديمقراطي الديمقراطية الإسلامي الإسلامية الأوروبي الأوروبية",
    "العربي العربية الأممي الأممية العالمي العالمية",
)
# Name particles.
CONNECTORS = _keys("بن بنت ابن أبو أبي آل ولد عبد ذو دي دو فان")
ARTICLE_CONNECTORS = _keys("عبد أبو أبي ابن بن بنت ذو")  # may be followed by an ال-word: "عبد الله"
# Words that are never (part of) a name after a title: function words, time words, verbs of reporting,
# common adjectives. A name stops at the first of them.
NAME_STOPS = _keys(
    "في من إلى الى على عن مع إن أن إنه أنه بأن لأن كان كانت قد لقد لم لن لا ما ماذا هو هي هم هذا هذه ذلك",
    "تلك الذي التي الذين حيث حين عندما بعد قبل خلال أمام عبر لدى حول ضد منذ حتى ثم أو أم بل لكن كما إذ",
    "إذا يوم اليوم أمس غدا الآن مساء صباح ليلة الأحد الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة",
    "السبت قال قالت يقول تقول أعلن أعلنت أكد أكدت أضاف أضافت أوضح أوضحت أشار أشارت ذكر ذكرت صرح",
    "صرحت اعتبر اعتبرت يرى ترى دعا دعت طالب طالبت شدد شددت نفى نفت أفاد أفادت وصف وصفت التقى التقت",
    "زار زارت بحث بحثت استقبل استقبلت عقد عقدت يجب يمكن سابق سابقة آخر أخرى جديد جديدة كبير كبيرة",
    "رفيع رفيعة بارز بارزة مسؤول مسؤولة مسؤولون مسؤولين عدة عدد بعض كل أي نفسه نفسها أيضا أيضًا فقط",
    "وقال وقالت وأضاف وأضافت وأكد وأكدت وأوضح وأشار وذكر وتابع وكان وكانت وهو وهي إثر وسط ضمن نحو",
    "عام عاما سنة شهر شهرا أسبوع ساعة مليون مليار ألف دولار بالمئة المئة إنها أنها إنهم أنهم بأنه",
    "بشأن بسبب لدي وفق وفقا بحسب حسب بينما فيما لها له لهم به بها بهم منه منها عليه عليها إليه",
    "وفي وفيما ومن وعلى وإلى وعن ومع وقد ولم ولا وما وبعد وقبل قائلا قائلة مضيفا مضيفة مؤكدا مؤكدة مشيرا",
    "مشيرة موضحا موضحة معتبرا معتبرة مرارا هجوما دون غير مقابل نتيجة طالما ظل أدى مصدر مصادر شهود",
)
MINISTRIES = {"Foreign": "Foreign Affairs", "Sports": "Sport"}
VERB_STEMS = _keys(
    "قال قالت أعلن أعلنت أكد أكدت أضاف أضافت أوضح أوضحت أشار أشارت ذكر ذكرت صرح صرحت اعتبر اعتبرت",
    "رأى رأت دعا دعت طالب طالبت شدد شددت نفى نفت أفاد أفادت وصف وصفت التقى التقت زار زارت بحث بحثت",
    "استقبل استقبلت أبلغ أبلغت حذر حذرت كشف كشفت تابع تابعت",
)
