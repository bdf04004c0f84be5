"""Every Redis key the bot uses: one prefix, one place.

Keys that several commands touch together share a hash tag (`{...}`) so they land in one slot
of a Redis Cluster.
"""

from __future__ import annotations

PREFIX = "naba:"


def analysis(namespace: str, fingerprint: str) -> str:
    """The cached analysis of an article for a prompt version and model."""
    return f"{PREFIX}analysis:{namespace}:{fingerprint}"


def analysis_lock(namespace: str, fingerprint: str) -> str:
    """The lock held while one process asks the model about an article."""
    return f"{PREFIX}lock:analysis:{namespace}:{fingerprint}"


def article(fingerprint: str) -> str:
    """An article's exact text and metadata."""
    return f"{PREFIX}article:{fingerprint}"


def analysis_failed(namespace: str, fingerprint: str) -> str:
    """Set for a few minutes after an article's analysis failed (it is not retried meanwhile)."""
    return f"{PREFIX}failed:{namespace}:{fingerprint}"


def budget(day: str, who: str) -> str:
    """Tokens reserved and spent on one UTC day by one user (a pseudonym, see bot.metrics) or by all ("total")."""
    return f"{PREFIX}budget:{day}:{who}"


def rate(who: str, minute: int) -> str:
    """Model-costing requests of one user (a pseudonym) in one minute."""
    return f"{PREFIX}rate:{who}:{minute}"


def rate_told(who: str, minute: int) -> str:
    """Set once a user was told to slow down in that minute (one reply per minute, not per message)."""
    return f"{PREFIX}rate:{who}:{minute}:told"


def stats(day: str) -> str:
    """The day's counters for /stats (a hash), summed over the replicas."""
    return f"{PREFIX}stats:{day}"


def stats_users(day: str) -> str:
    """The day's active users, as a HyperLogLog of pseudonyms (counted, never listed)."""
    return f"{PREFIX}stats:{day}:users"


def approved_channels() -> str:
    """Channels an admin added the bot to (a set of chat ids, no TTL): their posts feed digests."""
    return f"{PREFIX}channels:approved"


def message_article(chat_id: int, message_id: int) -> str:
    """Which article a message (the bot's brief, or the user's post) is about."""
    return f"{PREFIX}msg:{chat_id}:{message_id}"


def brief_messages(chat_id: int, message_id: int) -> str:
    """The messages of one brief, under the message that carries its buttons."""
    return f"{PREFIX}msg:{chat_id}:{message_id}:brief"


def chat_last_article(chat_id: int) -> str:
    """The latest article of a chat."""
    return f"{PREFIX}chat:{chat_id}:last"


def thread(chat_id: int, fingerprint: str) -> str:
    """The question-and-answer turns of a chat about one article."""
    return f"{PREFIX}thread:{chat_id}:{fingerprint}"


def language(user_id: int) -> str:
    """A user's (or a group's) chosen reply language."""
    return f"{PREFIX}lang:{user_id}"


def album_parts(chat_id: int, media_group: str) -> str:
    """The messages of one album (media group), waiting to be joined into one post."""
    return f"{PREFIX}parts:{{{chat_id}}}:album:{media_group}"


def part(chat_id: int, message_id: int) -> str:
    """What one recent message of a chat was (its length, origin, text), so its sequel can find it."""
    return f"{PREFIX}parts:{{{chat_id}}}:msg:{message_id}"


def part_next(chat_id: int, message_id: int) -> str:
    """The id of the sequel that claimed a full message, or "closed" once that post was put together."""
    return f"{PREFIX}parts:{{{chat_id}}}:next:{message_id}"


def chat_articles(chat_id: int) -> str:
    """Articles a chat sent, scored by arrival time (for its digest)."""
    return f"{PREFIX}chat:{chat_id}:articles"


def channel_articles() -> str:
    """Posts of the channels the bot is a member of, scored by arrival time."""
    return f"{PREFIX}channels:articles"


def subscription(chat_id: int) -> str:
    """A chat's digest subscription (no TTL)."""
    return f"{PREFIX}sub:{chat_id}"


def subscriptions_due() -> str:
    """Sorted set of subscribed chats scored by their next digest time (no TTL)."""
    return f"{PREFIX}subs:due"


def digest_sent(chat_id: int, local_day: str) -> str:
    """Marks the digest of a chat's local day as claimed by one process."""
    return f"{PREFIX}digest:{chat_id}:{local_day}"


def digest_outbox(chat_id: int, local_day: str) -> str:
    """A digest of several messages being sent: its messages and how many have gone out."""
    return f"{PREFIX}digest:{chat_id}:{local_day}:outbox"


def owner(owner_id: int) -> str:
    """The index of what a chat (or a user: a private chat's id is its user's) caused to be stored.

    /forget reads it instead of scanning (see bot.store.owners). Tagged `{owner_id}` like the chat's
    parts, so the parts' transactions can list what they write in the same MULTI.
    """
    return f"{PREFIX}owner:{{{owner_id}}}"


def article_senders(fingerprint: str) -> str:
    """The chats that sent an article (and "channel" if a channel posted it), scored by when each claim ends."""
    return f"{PREFIX}article:{fingerprint}:senders"


def article_analyses(fingerprint: str) -> str:
    """The analysis namespaces in which an article has an analysis (so /forget deletes every one)."""
    return f"{PREFIX}article:{fingerprint}:analyses"


def endpoint(endpoint_id: str) -> str:
    """What a model endpoint (base URL and model, hashed) accepts: structured mode, cap name, temperature."""
    return f"{PREFIX}endpoint:{endpoint_id}"


def memory_actors(scope: str) -> str:
    """Who said what: a memory's actors (hash: actor id -> name, English name, type). Scope: a chat or "channels"."""
    return f"{PREFIX}{{mem:{scope}}}:names"


def memory_roles(scope: str) -> str:
    """Who said what: each actor's role as the latest article that gave one gives it (hash)."""
    return f"{PREFIX}{{mem:{scope}}}:roles"


def memory_quotes(scope: str, actor: str) -> str:
    """Who said what: an actor's verified quotes, scored by time (sorted set)."""
    return f"{PREFIX}{{mem:{scope}}}:q:{actor}"


def memory_articles(scope: str, actor: str) -> str:
    """Who said what: the articles that named an actor, scored by time (sorted set)."""
    return f"{PREFIX}{{mem:{scope}}}:a:{actor}"


def memory_said(scope: str, actor: str) -> str:
    """Who said what: how each of an actor's quotes is shown (hash: quote member -> source, link, translation)."""
    return f"{PREFIX}{{mem:{scope}}}:s:{actor}"


def memory_article(scope: str, article_id: str) -> str:
    """Who said what: what one article added to a memory (set), so an edited or withdrawn post can be taken out."""
    return f"{PREFIX}{{mem:{scope}}}:art:{article_id}"


def send_pace(bot_id: int) -> str:
    """The bot's shared send budget: when its next message may leave (GCRA, shared by every replica).

    All of a bot's pacing keys share the tag `{tg:<bot id>}`, so one script reads and moves them together.
    """
    return f"{PREFIX}{{tg:{bot_id}}}:pace"


def send_pace_chat(bot_id: int, chat_id: int | str) -> str:
    """One group's share of the send budget (Telegram allows about 20 messages a minute in a group)."""
    return f"{PREFIX}{{tg:{bot_id}}}:pace:{chat_id}"


def send_pause(bot_id: int) -> str:
    """Set for as long as no replica sends: a 429's retry_after, so every replica honours it."""
    return f"{PREFIX}{{tg:{bot_id}}}:pause"


def update_seen(bot_id: int, update_id: int) -> str:
    """Set by the replica that takes an update first; a re-posted update finds it and is dropped."""
    return f"{PREFIX}update:{bot_id}:{update_id}"
