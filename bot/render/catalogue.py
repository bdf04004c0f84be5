"""User-facing strings: one TOML catalogue per language in `strings/`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from bot.models import Lang

CATALOGUE_DIR = Path(__file__).with_name("strings")
LANGUAGES: tuple[Lang, ...] = ("ar", "en")


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    """All strings of one language."""
    return tomllib.loads((CATALOGUE_DIR / f"{lang}.toml").read_text(encoding="utf-8"))


def t(lang: Lang, key: str, **params: object) -> str:
    """The string `key` in `lang` with its placeholders filled (English when a key is missing)."""
    text = catalogue(lang).get(key) or catalogue("en").get(key) or key
    return text.format(**params) if params else text


def other(lang: Lang) -> Lang:
    """The other reply language."""
    return "en" if lang == "ar" else "ar"
