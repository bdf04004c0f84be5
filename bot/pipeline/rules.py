"""The rule-based analyser: the same interface as the model's (bot.llm.analyse.Analyser), no model.

What it makes is tagged with `rules_version()`, a digest of the extractor's source: an entry made by
older rules is remade from its article on reading (see ArticlePipeline), never served, and never lost.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import bot.extract
from bot.extract.brief import rules_analysis
from bot.llm.analyse import AnalysisResult
from bot.llm.spend import FREE, Spender
from bot.models import Analysis, Usage

__all__ = ["RulesAnalyser", "rules_version"]


@cache
def rules_version() -> str:
    """A short digest of bot/extract's source files: part of the rules' cache keys."""
    digest = hashlib.sha256()
    for path in sorted(Path(bot.extract.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


class RulesAnalyser:
    """Analyses an article with bot.extract alone: free, offline, a few milliseconds."""

    cache_namespace = "rules:v1"  # stable across rule changes: entries carry rules_version()

    async def analyse(self, article: str, spender: Spender = FREE) -> AnalysisResult:
        """The rule-based analysis (nothing is reserved or spent: `spender` is only for the interface)."""
        return AnalysisResult(self.analyse_now(article), Usage(), 1)

    def analyse_now(self, article: str) -> Analysis:
        """The rule-based analysis, synchronously (pure)."""
        return rules_analysis(article)
