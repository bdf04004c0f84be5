"""The composition root: builds every service once from the settings, and closes them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.digest.service import Digests
from bot.llm.analyse import Analyser
from bot.llm.answer import Answerer
from bot.llm.client import ChatClient
from bot.pipeline.analyse import ArticlePipeline
from bot.pipeline.fetch import Fetcher
from bot.pipeline.intake import Intake
from bot.pipeline.qa import QuestionAnswering
from bot.store import Store


@dataclass
class Services:
    """Everything a handler or a command needs, opened together and closed together."""

    settings: Settings
    store: Store
    chat: ChatClient
    analyser: Analyser
    pipeline: ArticlePipeline
    fetcher: Fetcher
    intake: Intake
    qa: QuestionAnswering
    digests: Digests
    clock: Clock

    @classmethod
    async def open(cls, settings: Settings) -> Services:
        """Connect to Redis (or start the embedded server) and build the LLM client and the pipeline."""
        store = await Store.open(settings)
        chat = ChatClient(settings)
        analyser = Analyser(chat, settings)
        pipeline = ArticlePipeline(settings, store, analyser)
        fetcher = Fetcher(settings)
        clock = Clock()
        return cls(
            settings=settings,
            store=store,
            chat=chat,
            analyser=analyser,
            pipeline=pipeline,
            fetcher=fetcher,
            intake=Intake(store, pipeline, fetcher, clock),
            qa=QuestionAnswering(store, Answerer(chat, settings), pipeline),
            digests=Digests(settings, store, pipeline, clock),
            clock=clock,
        )

    async def close(self) -> None:
        """Close the HTTP clients and the store."""
        await self.fetcher.close()
        await self.chat.close()
        await self.store.close()
