"""Who may use the bot, and what it may cost: access, channel approval, budgets, request rates.

One home for the rules of a public bot (DESIGN §8), below the handlers and called by every entry
path — messages, commands, buttons, group replies, channel posts, digest runs — so each rule is
tested without Telegram. Budgets and rates are shared by every replica (Redis) and count users
only under pseudonyms (bot.metrics.pseudonym).

Decisions:
- Admins (ADMIN_USER_IDS) may always use the bot and spend without a limit; their tokens still
  count towards the day's total, so /stats shows them.
- A budget refuses a call whose estimate does not fit in what is left (prompt + output cap, with
  tiktoken), so a reader never gets half an analysis; the reservation becomes the real usage after.
- The bot's own work (a channel post analysed for the digests) has no user budget but stops at
  the day's total cap like everyone's.
- Without Redis, budgets and rates cannot be counted and let requests through (the bot keeps
  answering when Redis is down, DESIGN §6; LLM_CONCURRENCY still bounds the calls in flight).
- A subscriber whose id left ALLOWED_USER_IDS gets no digest; the subscription stays (it resumes
  if the operator lets them back). A group's digest goes on while the bot is in the group (the
  bot leaves a group that someone outside the list adds it to).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot import metrics
from bot.clock import Clock
from bot.config import Settings
from bot.errors import BudgetExceeded, RequestsTooFast, TotalBudgetExceeded
from bot.llm.spend import Spender
from bot.models import Subscription, Usage
from bot.store import Store
from bot.store.memory import CHANNELS

log = logging.getLogger(__name__)


class Membership(enum.Enum):
    """What the bot does when someone adds it to a group or a channel."""

    STAY = "stay"  # a group, or a channel whose posts stay ignored (not approved)
    APPROVED = "approved"  # a channel an admin added: its posts feed the digests
    LEAVE = "leave"  # added by someone outside ALLOWED_USER_IDS


@dataclass
class Payer(Spender):
    """Pays for the model calls of one request: a user's (by pseudonym), or the bot's own (`who` None)."""

    policy: Policy
    who: str | None
    limited: bool
    day: str = ""  # the UTC day of the reservation (empty: nothing reserved in Redis)
    reserved: int = 0
    counted: bool = False  # this request was counted against the rate (once, whatever it calls)

    async def reserve(self, tokens: int) -> None:
        """Count the request against the user's rate (once per request) and reserve `tokens` of the
        day's budgets, or refuse."""
        policy = self.policy
        settings = policy.settings
        now = policy.clock.now()
        if not self.counted:
            self.counted = True
            await self._count_request(now.timestamp())
        day = now.strftime("%Y-%m-%d")
        refusal, counted = await policy.store.reserve_tokens(
            day,
            self.who,
            tokens,
            user_limit=settings.daily_token_budget if self.limited and self.who is not None else 0,
            total_limit=settings.daily_token_budget_total if self.limited else 0,
        )
        if refusal is not None:
            metrics.REFUSALS.labels(reason=refusal).inc()
            metrics.record(metrics.Event.BUDGET_REFUSAL)
            reset = policy.until_midnight()
            hours, minutes = reset.seconds // 3600, reset.seconds % 3600 // 60
            if refusal == "budget":
                raise BudgetExceeded("the user's daily token budget is spent", hours=hours, minutes=minutes)
            raise TotalBudgetExceeded("the bot's daily token budget is spent", hours=hours, minutes=minutes)
        self.day, self.reserved = (day, tokens) if counted else ("", 0)

    async def settle(self, usage: Usage) -> None:
        """Turn the reservation into what the call really cost."""
        if self.day:
            await self.policy.store.settle_tokens(self.day, self.who, self.reserved, usage.total)
        self.day, self.reserved = "", 0

    async def admit(self) -> None:
        """Count a request that may lead to a model call (a link to fetch) against the rate, now."""
        if not self.counted:
            self.counted = True
            await self._count_request(self.policy.clock.time())

    async def _count_request(self, now: float) -> None:
        settings = self.policy.settings
        if self.who is None or not self.limited or not settings.user_requests_per_minute:
            return
        limit = settings.user_requests_per_minute
        allowed, tell = await self.policy.store.count_request(self.who, int(now // 60), limit)
        if not allowed:
            metrics.REFUSALS.labels(reason="rate").inc()
            metrics.record(metrics.Event.RATE_REFUSAL)
            raise RequestsTooFast("too many requests this minute", silent=not tell, limit=limit)


class Policy:
    """The rules; every entry path asks here before it works or spends."""

    def __init__(self, settings: Settings, store: Store, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._secret = settings.pseudonym_secret

    # --- people ----------------------------------------------------------------------------------

    def is_admin(self, user_id: int | None) -> bool:
        """An operator (ADMIN_USER_IDS)."""
        return user_id is not None and user_id in self.settings.admin_user_ids

    def may_use(self, user_id: int | None) -> bool:
        """ALLOWED_USER_IDS (empty: everyone); admins always."""
        allowed = self.settings.allowed_user_ids
        return not allowed or (user_id is not None and (user_id in allowed or self.is_admin(user_id)))

    def payer(self, user_id: int | None) -> Payer:
        """Who pays for one request's model calls: the user (admins without limit), or the bot itself."""
        if user_id is None:
            return Payer(self, None, limited=True)
        return Payer(self, metrics.pseudonym(user_id, self._secret), limited=not self.is_admin(user_id))

    async def tell_refused(self, user_id: int | None) -> bool:
        """Whether someone outside ALLOWED_USER_IDS is told so now: once a minute at most, so a stranger's
        flood costs the bot no flood of replies (which would eat the send budget digests need)."""
        if user_id is None:
            return False
        minute = int(self.clock.time() // 60)
        return await self.store.first_in_minute(f"refused:{metrics.pseudonym(user_id, self._secret)}", minute)

    def until_midnight(self) -> timedelta:
        """Time left until budgets reset (UTC midnight)."""
        now = self.clock.now()
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - now

    # --- chats -------------------------------------------------------------------------------------

    async def channel_approved(self, chat_id: int) -> bool:
        """Posts of this channel may feed the digests: listed in ALLOWED_CHANNEL_IDS, or added by an admin."""
        return chat_id in self.settings.allowed_channel_ids or await self.store.channel_approved(chat_id)

    async def joined(self, chat_id: int, *, channel: bool, by: int | None) -> Membership:
        """Someone (`by`) added the bot to a group or channel: stay, approve the channel, or leave.

        A channel listed in ALLOWED_CHANNEL_IDS is the operator's choice, whoever adds the bot to it.
        """
        if channel and chat_id in self.settings.allowed_channel_ids:
            return Membership.APPROVED
        if not self.may_use(by):
            log.info("chat %s: added by a user outside ALLOWED_USER_IDS; leaving", chat_id)
            return Membership.LEAVE
        if not channel:
            return Membership.STAY
        if self.is_admin(by):
            await self.store.approve_channel(chat_id)
            return Membership.APPROVED
        log.info(
            "channel %s: added by a non-admin, its posts are ignored (add its id to ALLOWED_CHANNEL_IDS, "
            "or let an admin add the bot)",
            chat_id,
        )
        return Membership.STAY

    async def left(self, chat_id: int) -> None:
        """The bot left or was removed from a chat: a channel's approval ends, and its posts leave the digests."""
        await self.store.unapprove_channel(chat_id)
        for article_id in await self.store.drop_channel_posts(chat_id):  # and who said what in them
            await self.store.forget_memory_article(CHANNELS, article_id)

    def may_receive_digest(self, subscription: Subscription) -> bool:
        """A private subscriber must still be allowed to use the bot; a group's digest goes on."""
        return subscription.group or self.may_use(subscription.chat_id)
