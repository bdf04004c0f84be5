"""Rule-based Arabic extraction (pure; no model, no I/O): direct quotes and their speakers."""

from bot.extract.quotes import ExtractedQuote, find_quotes

__all__ = ["ExtractedQuote", "find_quotes"]
