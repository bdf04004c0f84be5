"""What a model call costs, asked for before it is made: the seam between the model client and the budgets.

The analyser and the answerer estimate a call's tokens (prompt + the output cap, with tiktoken),
`reserve` them (which may refuse, raising a NabaError the reader is told about) and `settle` with
what the call really cost, or with nothing when it failed. bot/policy implements it with the
users' and the bot's daily budgets; the command line uses `FREE`.
"""

from __future__ import annotations

from typing import Protocol

from bot.models import Usage


class Spender(Protocol):
    """Who pays for a model call."""

    async def reserve(self, tokens: int) -> None:
        """Reserve an estimate before the call (raise a NabaError to refuse it)."""

    async def settle(self, usage: Usage) -> None:
        """Replace the reservation by what the call cost (an empty Usage when nothing was spent)."""

    async def admit(self) -> None:
        """Count a request that may lead to a model call (a link to fetch) before its work starts."""


class _Free:
    """No budget: the command line, evaluations and tests of the pipeline alone."""

    async def reserve(self, tokens: int) -> None:
        """Nothing to reserve."""

    async def settle(self, usage: Usage) -> None:
        """Nothing to settle."""

    async def admit(self) -> None:
        """Nothing to count."""


FREE: Spender = _Free()
