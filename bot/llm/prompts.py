"""Prompt templates: versioned TOML data files in `prompts/`, parsed into a strict model."""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
# The delimiters the templates put around untrusted text; an article must not be able to close them.
_DELIMITER = re.compile(r"</?\s*(article|parts|brief|conversation)\s*>", re.IGNORECASE)


class Prompt(BaseModel):
    """A system and a user template; `$name` placeholders are filled by `render`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    system: str
    user: str

    @property
    def key(self) -> str:
        """Version plus a hash of the text: part of every cache key, so an edit never serves stale output."""
        digest = hashlib.sha256(f"{self.system}\x00{self.user}".encode()).hexdigest()[:8]
        return f"{self.name}-v{self.version}-{digest}"

    def variables(self) -> set[str]:
        """The placeholders the templates expect."""
        names: set[str] = set()
        for template in (self.system, self.user):
            for match in string.Template.pattern.finditer(template):
                name = match.group("named") or match.group("braced")
                if name:
                    names.add(name)
        return names

    def render(self, **values: str) -> list[dict[str, str]]:
        """Return the chat messages with every placeholder filled; untrusted values cannot fake a delimiter."""
        missing = self.variables() - values.keys()
        if missing:
            raise ConfigError(f"prompt {self.name!r} needs values for: {', '.join(sorted(missing))}")
        safe = {name: _DELIMITER.sub(_defuse, value) for name, value in values.items()}
        return [
            {"role": "system", "content": string.Template(self.system).substitute(safe)},
            {"role": "user", "content": string.Template(self.user).substitute(safe)},
        ]


def _defuse(match: re.Match[str]) -> str:
    return match.group(0).replace("<", "‹").replace(">", "›")


@lru_cache(maxsize=16)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    """Read and validate prompts/<name>.toml; a broken file raises a ConfigError naming it."""
    path = directory / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Prompt(**data)
    except FileNotFoundError:
        raise ConfigError(f"prompt file {path} is missing") from None
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"prompt file {path} is invalid: {exc}") from None
