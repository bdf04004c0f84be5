"""The hybrid merge (bot.extract.hybrid) and the rules-only analysis (bot.extract.brief): pure, with
sentences written for the tests."""

from __future__ import annotations

from bot.extract.brief import rules_analysis
from bot.extract.hybrid import merge_quotes, same_speaker
from bot.models import Actor, Analysis, Bilingual, Quote
from bot.pipeline.grounding import ground

TEXT = (
    "أعلنت الحكومة خطة جديدة للنقل العام في العاصمة.\n"
    "وقال وزير النقل كريم حداد إن «الخطة ستخفض زمن التنقل إلى النصف خلال عامين».\n"
    "وأضاف: «سنبدأ بالخطوط الأكثر ازدحاما في الأحياء الشرقية».\n"
    "في المقابل، قالت النائبة سلمى فارس إن «الحكومة لم تنشر كلفة المشروع حتى الآن».\n"
)
Q1 = "الخطة ستخفض زمن التنقل إلى النصف خلال عامين"
Q2 = "سنبدأ بالخطوط الأكثر ازدحاما في الأحياء الشرقية"
Q3 = "الحكومة لم تنشر كلفة المشروع حتى الآن"


def _analysis(*quotes: Quote, actors: tuple[Actor, ...] = ()) -> Analysis:
    return Analysis(
        headline=Bilingual(ar="خطة للنقل", en="A transport plan"),
        summary=Bilingual(ar="خطة.", en="A plan."),
        actors=list(actors),
        quotes=list(quotes),
        language="ar",
    )


def _quote(text: str, speaker: str, speaker_en: str = "", translation: str = "(en)") -> Quote:
    return Quote(speaker=speaker, speaker_en=speaker_en, text=text, translation=translation)


def _merged(analysis: Analysis) -> Analysis:
    grounded, _ = ground(analysis, TEXT)
    return merge_quotes(grounded, TEXT)


def test_a_quote_the_model_dropped_is_shown_with_the_speaker_the_text_names() -> None:
    haddad = Actor(
        name="كريم حداد",
        name_en="Karim Haddad",
        type="person",
        role=Bilingual(ar="وزير النقل", en="Transport Minister"),
    )
    merged = _merged(_analysis(_quote(Q1, "كريم حداد", "Karim Haddad"), actors=(haddad,)))
    assert [q.text for q in merged.quotes] == [Q1, Q2, Q3]  # in the article's order
    added = {q.text: q for q in merged.quotes}
    assert added[Q2].speaker == "كريم حداد" and added[Q2].speaker_en == "Karim Haddad"  # "وأضاف": the last speaker
    assert added[Q3].speaker == "سلمى فارس" and added[Q3].translation == ""  # untranslated: the model never saw it


def test_a_swapped_speaker_is_corrected_by_the_reporting_clause() -> None:
    merged = _merged(_analysis(_quote(Q1, "كريم حداد"), _quote(Q3, "كريم حداد")))
    by_text = {q.text: q.speaker for q in merged.quotes}
    assert by_text[Q3] == "سلمى فارس"
    assert by_text[Q1] == "كريم حداد"


def test_the_models_speaker_stays_when_the_clause_names_it_too_or_the_rules_only_guessed() -> None:
    # Same person, other form: the model's fuller name stays.
    merged = _merged(_analysis(_quote(Q3, "النائبة سلمى فارس", "MP Salma Fares")))
    assert next(q for q in merged.quotes if q.text == Q3).speaker == "النائبة سلمى فارس"
    # "وأضاف" names nobody: the extractor's speaker is inherited, so the model's reading wins.
    merged = _merged(_analysis(_quote(Q2, "مسؤول في الوزارة")))
    assert next(q for q in merged.quotes if q.text == Q2).speaker == "مسؤول في الوزارة"


def test_a_paraphrased_quote_is_replaced_by_the_articles_words() -> None:
    paraphrase = _quote("الخطة ستقلل وقت التنقل للنصف في سنتين", "كريم حداد")
    merged = _merged(_analysis(paraphrase))
    assert Q1 in [q.text for q in merged.quotes]
    assert all(q.text in TEXT for q in merged.quotes)


def test_quotes_only_the_model_found_stay() -> None:
    text = TEXT + 'وكتب أحد السكان على صفحته "الحافلات القديمة لا تصل إلى حينا أبدا" دون أن يذكر اسمه.\n'
    extra = "الحافلات القديمة لا تصل إلى حينا أبدا"
    model = _analysis(_quote(extra, "أحد السكان"))
    merged = merge_quotes(ground(model, text)[0], text)
    assert extra in [q.text for q in merged.quotes]
    assert len({q.text for q in merged.quotes}) == len(merged.quotes)  # nothing twice


def test_two_people_who_share_a_name_are_not_one_speaker() -> None:
    assert same_speaker("غوتيريس", "الأمين العام أنطونيو غوتيريس")
    assert same_speaker("خليفة حفتر", "المشير خليفة حفتر")
    assert not same_speaker("خليفة حفتر", "صدام حفتر")
    assert not same_speaker("محمد علي", "محمد حسن")
    assert not same_speaker("الوزير", "الرئيس")  # titles name nobody


def test_the_rules_alone_make_a_whole_analysis_in_the_articles_language() -> None:
    analysis = rules_analysis(TEXT)
    assert analysis.language == "ar"
    assert analysis.headline.ar and not analysis.headline.en  # English needs a model
    assert analysis.headline.ar.startswith("أعلنت الحكومة خطة جديدة")  # the lead
    assert analysis.summary.ar.startswith("وقال وزير النقل") and analysis.headline.ar not in analysis.summary.ar
    assert [q.text for q in analysis.quotes] == [Q1, Q2, Q3]
    assert [q.speaker for q in analysis.quotes] == ["كريم حداد", "كريم حداد", "سلمى فارس"]
    assert all(q.speaker_en.isascii() and q.speaker_en for q in analysis.quotes)  # Latin letters for English
    assert all(q.translation == "" for q in analysis.quotes)
    assert "كريم حداد" in [a.name for a in analysis.actors]
    grounded, report = ground(analysis, TEXT)
    assert grounded == analysis and report.dropped_quotes == report.dropped_actors == 0  # all verbatim


def test_the_person_spoken_to_or_named_a_sentence_before_is_not_the_speaker() -> None:
    text = (
        "انتقد وزير الخارجية سامي علي الخطة أمس. "
        "وقال المشير خليفة حفتر للأمين العام أنطونيو غوتيريس إن «العملية العسكرية مستمرة حتى النهاية».\n"
    )
    quote = "العملية العسكرية مستمرة حتى النهاية"
    for wrong in ("أنطونيو غوتيريس", "سامي علي"):
        merged = merge_quotes(ground(_analysis(_quote(quote, wrong)), text)[0], text)
        [shown] = merged.quotes
        assert "خليفة حفتر" in shown.speaker and "غوتيريس" not in shown.speaker, wrong


def test_a_title_only_clause_keeps_the_models_fuller_name_that_carries_it() -> None:
    text = "وقال الأمين العام إن «الحل السياسي هو الطريق الوحيد للسلام».\n"
    quote = "الحل السياسي هو الطريق الوحيد للسلام"
    merged = merge_quotes(ground(_analysis(_quote(quote, "الأمين العام أنطونيو غوتيريس")), text)[0], text)
    assert merged.quotes[0].speaker == "الأمين العام أنطونيو غوتيريس"
    # A source stays a source: the model may not put a name on it.
    text = "وقال مصدر أمني إن «الهجوم استهدف مواقع عسكرية فقط».\n"
    merged = merge_quotes(ground(_analysis(_quote("الهجوم استهدف مواقع عسكرية فقط", "أحمد سالم")), text)[0], text)
    assert merged.quotes[0].speaker.startswith("مصدر")


def test_a_quote_said_twice_is_shown_once() -> None:
    text = (
        "وقال وزير النقل كريم حداد إن «الخطة ستنجح في النهاية بلا شك».\n"
        "وردت النائبة سلمى فارس ساخرة: «الخطة ستنجح في النهاية بلا شك».\n"
    )
    quote = "الخطة ستنجح في النهاية بلا شك"
    for model in (_analysis(_quote(quote, "كريم حداد")), _analysis()):
        merged = merge_quotes(ground(model, text)[0], text)
        assert [q.text for q in merged.quotes] == [quote]


def test_an_entry_made_by_other_rules_is_remade_from_its_article_not_served_or_lost() -> None:
    import hashlib

    from bot.models import CachedAnalysis, Grounding, Usage
    from bot.pipeline.analyse import current
    from bot.pipeline.rules import RulesAnalyser, rules_version

    sha = hashlib.sha256(TEXT.encode()).hexdigest()
    stale = _analysis(_quote(Q1, "شخص آخر"))  # what older rules (or an older merge) made
    for kind in ("rules", "hybrid"):
        cached = CachedAnalysis(
            raw=_analysis(_quote(Q1, "كريم حداد")) if kind == "hybrid" else stale,
            grounded=stale,
            grounding=Grounding(),
            text_sha=sha,
            usage=Usage(),
            analyser=kind,
            rules_version="older",
        )
        now = current(cached, TEXT, RulesAnalyser())
        assert now.rules_version == rules_version()
        assert [q.text for q in now.grounded.quotes] == [Q1, Q2, Q3], kind
        assert now.grounded.quotes[0].speaker == "كريم حداد", kind
        assert current(now, TEXT, RulesAnalyser()) is now  # up to date: served as stored
