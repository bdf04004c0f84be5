"""The bot's own error types. Each carries a `key` naming its user-facing message in the catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.models import Usage


class NabaError(Exception):
    """Base class of every error the bot turns into a message for a person."""

    key = "error_generic"

    def __init__(self, message: str = "", **params: object) -> None:
        super().__init__(message or self.key)
        self.params = params


class ConfigError(NabaError):
    """A setting is missing or malformed."""

    key = "error_config"


class InputError(NabaError):
    """The user's input cannot be analysed (empty, not text, too long...)."""

    key = "error_input"


class EmptyInput(InputError):
    """Nothing to analyse."""

    key = "error_empty"


class InputTooLong(InputError):
    """The text is longer than MAX_INPUT_CHARS."""

    key = "error_too_long"


class NotAnArticle(InputError):
    """The text is too short to be a news article."""

    key = "error_not_article"


class FetchError(InputError):
    """A link could not be fetched or held no article text."""

    key = "error_fetch"


class LLMError(NabaError):
    """The language model could not produce an answer.

    `billed` says whether the endpoint may have charged for the attempt (it worked on it, or we
    cannot tell); False when the request never reached a model (unreachable, rejected up front).
    """

    key = "error_llm"
    billed = True
    usage: Usage | None = None  # what the calls cost when the server answered before the failure


class NoModel(NabaError):
    """Something only a language model can do (a follow-up question), and none is configured."""

    key = "error_no_model"


class LLMUnavailable(LLMError):
    """The model endpoint is down, overloaded or timing out (after the SDK's retries)."""

    key = "error_llm_unavailable"


class LLMRateLimited(LLMUnavailable):
    """The endpoint keeps answering 429."""

    key = "error_llm_busy"


class LLMRefused(LLMError):
    """The model refused to analyse the article."""

    key = "error_llm_refused"


class LLMBadOutput(LLMError):
    """The model's output was cut off or did not match the schema."""

    key = "error_llm_output"


class LLMAuthError(LLMError):
    """The endpoint rejected the API key or the model name (an operator problem)."""

    key = "error_llm_config"


class ContextTooSmall(LLMError):
    """The server's context window is too small even for one sentence and the prompt."""

    key = "error_llm_context"

    def __init__(self, message: str = "", limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class Refused(NabaError):
    """A request refused before any model call (a budget or the request rate); `silent`: tell nobody."""

    def __init__(self, message: str = "", *, silent: bool = False, **params: object) -> None:
        super().__init__(message, **params)
        self.silent = silent


class BudgetExceeded(Refused):
    """The user has used today's token budget."""

    key = "error_budget"


class TotalBudgetExceeded(Refused):
    """The bot has used today's token budget (DAILY_TOKEN_BUDGET_TOTAL) for everyone."""

    key = "error_total_budget"


class RequestsTooFast(Refused):
    """More model-costing requests in a minute than USER_REQUESTS_PER_MINUTE."""

    key = "error_rate"


class FailedRecently(LLMError):
    """The article's analysis failed a few minutes ago; it is not tried again yet."""

    key = "error_failed_recently"


class DeliveryFailed(NabaError):
    """A message could not be delivered; `retry` tells whether a later try may succeed."""

    key = "error_generic"

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class ChatUnreachable(NabaError):
    """A chat cannot receive messages any more (the user blocked the bot, or it was removed)."""

    key = "error_generic"


class ChatMoved(NabaError):
    """A group became a supergroup with a new chat id."""

    key = "error_generic"

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id
