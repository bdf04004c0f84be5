"""Fixture articles written for these tests (invented events; no publisher's text), with the
analyses a good model would return for them."""

from __future__ import annotations

from typing import Any

WATER = """الأردن يستضيف قمة إقليمية للمياه وسط تحذيرات من الجفاف

استضافت العاصمة الأردنية عمّان، الثلاثاء، قمة إقليمية لبحث أزمة المياه بمشاركة وزراء من ثماني دول عربية، في ظل موجة جفاف هي الأشد منذ عقود.

وقال وزير المياه الأردني سامر الخطيب في كلمة الافتتاح إن "المنطقة تواجه أخطر أزمة مائية في تاريخها الحديث"، مضيفاً أن بلاده فقدت نحو ربع مخزونها المائي خلال ثلاث سنوات.

من جهتها، أكدت المديرة الإقليمية لبرنامج الأمم المتحدة للبيئة ليلى منصور أن «الحلول الفردية لم تعد كافية، ولا بد من خطة مشتركة قبل نهاية العام».

وأضافت منصور: “نحن مستعدون لتمويل مشاريع تحلية المياه في الدول الأكثر تضرراً”.

وشارك في القمة ممثلون عن البنك الدولي، الذي أعلن تخصيص 500 مليون دولار لمشاريع الري الحديث في الأردن ومصر والمغرب.

وفي ختام اليوم الأول، دعا البيان المشترك إلى إنشاء صندوق إقليمي للأمن المائي، على أن تُعقد القمة المقبلة في الرباط."""

WATER_QUOTES = [
    "المنطقة تواجه أخطر أزمة مائية في تاريخها الحديث",
    "الحلول الفردية لم تعد كافية، ولا بد من خطة مشتركة قبل نهاية العام",
    "نحن مستعدون لتمويل مشاريع تحلية المياه في الدول الأكثر تضرراً",
]


def _bi(ar: str, en: str) -> dict[str, str]:
    return {"ar": ar, "en": en}


WATER_ANALYSIS: dict[str, Any] = {
    "headline": _bi("عمّان تستضيف قمة إقليمية لأزمة المياه", "Amman hosts a regional summit on the water crisis"),
    "summary": _bi(
        "استضافت عمّان قمة إقليمية للمياه بمشاركة وزراء من ثماني دول عربية وسط جفاف شديد. "
        "وأعلن البنك الدولي 500 مليون دولار لمشاريع الري.",
        "Amman hosted a regional water summit with ministers from eight Arab states amid a severe drought. "
        "The World Bank pledged $500 million for modern irrigation.",
    ),
    "actors": [
        {
            "name": "سامر الخطيب",
            "name_en": "Samer al-Khatib",
            "type": "person",
            "role": _bi("وزير المياه الأردني", "Jordan's water minister"),
        },
        {
            "name": "ليلى منصور",
            "name_en": "Layla Mansour",
            "type": "person",
            "role": _bi("المديرة الإقليمية لبرنامج الأمم المتحدة للبيئة", "UN Environment Programme regional director"),
        },
        {
            "name": "البنك الدولي",
            "name_en": "World Bank",
            "type": "organization",
            "role": _bi("خصص 500 مليون دولار للري", "pledged $500 million for irrigation"),
        },
        {"name": "عمان", "name_en": "Amman", "type": "place", "role": _bi("مكان القمة", "summit venue")},
    ],
    "quotes": [
        # The model writes the quotes as models do: hamza dropped, a comma lost, other quotation marks.
        {
            "speaker": "سامر الخطيب",
            "speaker_en": "Samer al-Khatib",
            "text": "المنطقة تواجه اخطر ازمة مائية في تاريخها الحديث",
            "translation": "The region faces the most serious water crisis in its modern history",
        },
        {
            "speaker": "ليلى منصور",
            "speaker_en": "Layla Mansour",
            "text": "الحلول الفردية لم تعد كافية ولا بد من خطة مشتركة قبل نهاية العام",
            "translation": "Individual solutions are no longer enough; a joint plan is needed before the end of the year",
        },
        {
            "speaker": "ليلى منصور",
            "speaker_en": "Layla Mansour",
            "text": "نحن مستعدون لتمويل مشاريع تحلية المياه في الدول الأكثر تضرراً",
            "translation": "We are ready to fund desalination projects in the worst-hit countries",
        },
    ],
    "language": "ar",
}

# The same model answer with one invented quote, one paraphrase and one actor the article never names.
WATER_ANALYSIS_UNFAITHFUL: dict[str, Any] = {
    **WATER_ANALYSIS,
    "quotes": [
        *WATER_ANALYSIS["quotes"][:1],
        {
            "speaker": "سامر الخطيب",
            "speaker_en": "Samer al-Khatib",
            "text": "سنبني عشرة سدود جديدة قبل 2030",
            "translation": "We will build ten new dams before 2030",
        },
        {
            "speaker": "ليلى منصور",
            "speaker_en": "Layla Mansour",
            "text": "الحلول الفردية لم تعد تكفي ويجب وضع خطة مشتركة",
            "translation": "Individual solutions no longer suffice",
        },
    ],
    "actors": [
        *WATER_ANALYSIS["actors"],
        {
            "name": "أنطونيو غوتيريس",
            "name_en": "António Guterres",
            "type": "person",
            "role": _bi("الأمين العام للأمم المتحدة", "UN Secretary-General"),
        },
    ],
}

BANK = """البنك المركزي المصري يثبّت أسعار الفائدة للمرة الثالثة

قرر البنك المركزي المصري، الخميس، الإبقاء على أسعار الفائدة دون تغيير للمرة الثالثة على التوالي، في خطوة توقعها معظم المحللين.

وقال محافظ البنك حسن عبد الرحيم في مؤتمر صحفي إن "التضخم بدأ يتراجع، لكننا سنبقى حذرين حتى نتأكد من استقرار الأسعار".

وأوضح أن معدل التضخم السنوي انخفض إلى 11.5 في المئة في أكتوبر/تشرين الأول، مقارنة بـ 13.2 في المئة في الشهر السابق.

وقالت الخبيرة الاقتصادية في جامعة القاهرة إيمان فؤاد إن القرار «منطقي في ظل الضغوط على الجنيه»، مشيرةً إلى أن الأسواق كانت تنتظر إشارة أوضح بشأن خفض الفائدة مطلع العام المقبل.

وكان صندوق النقد الدولي قد دعا مصر في تقريره الأخير إلى "مواصلة الإصلاحات الهيكلية وتوسيع دور القطاع الخاص"."""

BANK_ANALYSIS: dict[str, Any] = {
    "headline": _bi("المركزي المصري يثبت الفائدة للمرة الثالثة", "Egypt's central bank holds rates for a third time"),
    "summary": _bi(
        "أبقى البنك المركزي المصري أسعار الفائدة دون تغيير للمرة الثالثة. وتراجع التضخم إلى 11.5 في المئة.",
        "Egypt's central bank kept interest rates unchanged for a third time. Inflation eased to 11.5 percent.",
    ),
    "actors": [
        {
            "name": "البنك المركزي المصري",
            "name_en": "Central Bank of Egypt",
            "type": "organization",
            "role": _bi("قرر تثبيت الفائدة", "held interest rates"),
        },
        {
            "name": "حسن عبد الرحيم",
            "name_en": "Hassan Abdel Rahim",
            "type": "person",
            "role": _bi("محافظ البنك المركزي", "central bank governor"),
        },
        {
            "name": "إيمان فؤاد",
            "name_en": "Iman Fouad",
            "type": "person",
            "role": _bi("خبيرة اقتصادية في جامعة القاهرة", "Cairo University economist"),
        },
        {
            "name": "صندوق النقد الدولي",
            "name_en": "IMF",
            "type": "organization",
            "role": _bi("دعا إلى إصلاحات هيكلية", "urged structural reforms"),
        },
    ],
    "quotes": [
        {
            "speaker": "حسن عبد الرحيم",
            "speaker_en": "Hassan Abdel Rahim",
            "text": "التضخم بدأ يتراجع، لكننا سنبقى حذرين حتى نتأكد من استقرار الأسعار",
            "translation": "Inflation has started to fall, but we will stay cautious until prices are stable",
        },
        {
            "speaker": "إيمان فؤاد",
            "speaker_en": "Iman Fouad",
            "text": "منطقي في ظل الضغوط على الجنيه",
            "translation": "logical given the pressure on the pound",
        },
        {
            "speaker": "صندوق النقد الدولي",
            "speaker_en": "IMF",
            "text": "مواصلة الإصلاحات الهيكلية وتوسيع دور القطاع الخاص",
            "translation": "continue structural reforms and expand the private sector's role",
        },
    ],
    "language": "ar",
}

PORT = """Port strike enters second week as talks stall

Dock workers at the port of Valencia extended their strike into a second week on Monday after talks with the port authority broke down.

"We will not return until the safety agreement is signed," union leader Marta Ruiz told reporters outside the terminal.

The port authority said in a statement that it "remains open to dialogue" and accused the union of rejecting a fair offer.

Shipping company Maersk said it had diverted three vessels to Barcelona."""

PORT_ANALYSIS: dict[str, Any] = {
    "headline": _bi("إضراب ميناء فالنسيا يدخل أسبوعه الثاني", "Valencia port strike enters its second week"),
    "summary": _bi(
        "مدد عمال ميناء فالنسيا إضرابهم أسبوعاً ثانياً بعد انهيار المحادثات.",
        "Valencia dock workers extended their strike into a second week after talks broke down.",
    ),
    "actors": [
        {"name": "Marta Ruiz", "name_en": "Marta Ruiz", "type": "person", "role": _bi("زعيمة النقابة", "union leader")},
        {
            "name": "Maersk",
            "name_en": "Maersk",
            "type": "organization",
            "role": _bi("حولت ثلاث سفن", "diverted three vessels"),
        },
    ],
    "quotes": [
        {
            "speaker": "Marta Ruiz",
            "speaker_en": "Marta Ruiz",
            "text": "We will not return until the safety agreement is signed",
            "translation": "لن نعود حتى يوقَّع اتفاق السلامة",
        },
        {
            "speaker": "port authority",
            "speaker_en": "port authority",
            "text": "remains open to dialogue",
            "translation": "تبقى منفتحة على الحوار",
        },
    ],
    "language": "en",
}

KNOWN = {WATER: WATER_ANALYSIS, BANK: BANK_ANALYSIS, PORT: PORT_ANALYSIS}


def headline_of(article: str) -> str:
    """The first line of an article (how the stand-in model recognises fixture articles)."""
    return article.strip().split("\n", 1)[0].strip()


def long_article(paragraphs: int) -> str:
    """A long article of distinct paragraphs, each with a numbered quote (for chunking tests)."""
    parts = ["تقرير مطول عن جلسات مجلس الأمن\n"]
    for i in range(1, paragraphs + 1):
        parts.append(
            f"وفي الجلسة رقم {i} ناقش المندوبون البند {i} من جدول الأعمال المتعلق بالأوضاع الإنسانية "
            f'في المنطقة، وقال المندوب رقم {i} إن "الجلسة {i} كانت مثمرة وبناءة إلى حد كبير" '
            f"قبل أن يعلن الرئيس رفع الجلسة والانتقال إلى البند التالي."
        )
    return "\n\n".join(parts)
