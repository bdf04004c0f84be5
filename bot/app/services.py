"""The composition root: builds every service once from the settings, and closes them.

`Core` is the article pipeline and what it stands on (all `naba analyze` and `naba eval` need);
`Services` adds what the bot needs on top. Modules only the bot uses (link fetching, digests,
follow-up questions) are imported when the bot opens its services, so a command line run does not
pay for them; the model client and tiktoken load themselves on the first model call.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.llm.analyse import Analyser
from bot.llm.client import ChatClient
from bot.pipeline.analyse import ArticlePipeline
from bot.store import Store

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.digest.service import Digests
    from bot.memory.service import Memory
    from bot.pipeline.fetch import Fetcher
    from bot.pipeline.intake import Intake
    from bot.pipeline.qa import QuestionAnswering
    from bot.policy import Policy


@dataclass
class Core:
    """The article pipeline with its store, model client and analyser."""

    settings: Settings
    store: Store
    chat: ChatClient
    analyser: Analyser
    pipeline: ArticlePipeline

    @classmethod
    async def open(cls, settings: Settings) -> Core:
        """Connect to Redis (or start the embedded server); the model client connects on its first call."""
        store = await Store.open(settings)
        chat = ChatClient(settings, memory=store)  # what the endpoint accepts is remembered in Redis
        analyser = Analyser(chat, settings)
        return cls(settings, store, chat, analyser, ArticlePipeline(settings, store, analyser))

    async def close(self) -> None:
        """Close the model client and the store."""
        await self.chat.close()
        await self.store.close()


@dataclass
class Services(Core):
    """Everything a handler or a command needs, opened together and closed together: the Core and more."""

    fetcher: Fetcher
    intake: Intake
    qa: QuestionAnswering
    digests: Digests
    clock: Clock
    policy: Policy
    memory: Memory

    @classmethod
    async def open(cls, settings: Settings) -> Services:
        """Connect to Redis (or start the embedded server) and build the LLM client and the pipeline."""
        from bot.clock import Clock
        from bot.digest.service import Digests
        from bot.llm.answer import Answerer
        from bot.memory.service import Memory
        from bot.pipeline.fetch import Fetcher
        from bot.pipeline.intake import Intake
        from bot.pipeline.qa import QuestionAnswering
        from bot.policy import Policy

        core = await Core.open(settings)
        store, chat, pipeline = core.store, core.chat, core.pipeline
        fetcher = Fetcher(settings)
        clock = Clock()
        policy = Policy(settings, store, clock)
        memory = Memory(store)
        return cls(
            **{f.name: getattr(core, f.name) for f in fields(Core)},
            fetcher=fetcher,
            intake=Intake(store, pipeline, fetcher, clock, memory=memory),
            qa=QuestionAnswering(store, Answerer(chat, settings), pipeline),
            digests=Digests(settings, store, pipeline, clock, payer=lambda: policy.payer(None), memory=memory),
            clock=clock,
            policy=policy,
            memory=memory,
        )

    def warm_up(self) -> None:
        """Load what loads lazily (the model SDK, tiktoken and its encoding): blocking, so call it in a thread.

        The command line never calls this: a cached `naba analyze` needs neither.
        """
        self.chat.warm_up()
        _ = self.analyser.overhead

    async def close(self) -> None:
        """Close the HTTP clients and the store (background analyses of channel posts are cancelled)."""
        await self.digests.close()
        await self.fetcher.close()
        await super().close()
