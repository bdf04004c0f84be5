"""Rule-based Arabic extraction (pure; no model, no I/O): direct quotes and their speakers, actors with
their roles, a lead-based headline and summary, and names in Latin letters."""

from bot.extract.actors import ExtractedActor, find_actors
from bot.extract.latin import to_latin
from bot.extract.lead import Lead, lead
from bot.extract.quotes import ExtractedQuote, find_quotes

__all__ = ["ExtractedActor", "ExtractedQuote", "Lead", "find_actors", "find_quotes", "lead", "to_latin"]
