"""Entity linking of actor names (pure): `name_key`, `same_actor`, `matches`, `closest`.

First version: titles stripped and words normalised; the full spelling classes follow.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

from bot.text import match_key

__all__ = ["closest", "matches", "name_key", "same_actor"]

_TITLES = frozenset(
    match_key(
        "الرئيس الرئيسة رئيس الوزراء الوزير الوزيرة وزير الخارجية الأمين العام المشير الشيخ د الدكتور السيد "
        "الملك الأمير اللواء president secretary general dr mr sheikh"
    )[0].split()
)


@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """The canonical key of an actor name as written ("" when nothing identifying is left)."""
    words = [w.removeprefix("ال") if len(w) > 3 else w for w in match_key(name)[0].split() if w not in _TITLES]
    return " ".join(words)


def same_actor(a: str, b: str) -> bool:
    """Two names as written are the same actor."""
    ka = name_key(a)
    return bool(ka) and ka == name_key(b)


def matches(query: str, known: str) -> bool:
    """The query (what a user typed) names the known actor."""
    q, k = name_key(query).split(), name_key(known).split()
    if not q or not k:
        return False
    return q == k or (len(q) == 1 and q[0] == k[-1])


def closest(query: str, known: list[str], limit: int = 3) -> list[str]:
    """The known names nearest to an unknown query, best first."""
    q = name_key(query)
    scored: dict[str, tuple[float, str]] = {}
    for name in known:
        k = name_key(name)
        if not k or k in scored:
            continue
        scored[k] = (difflib.SequenceMatcher(None, q, k).ratio(), name)
    ranked = sorted(scored.values(), key=lambda s: -s[0])
    return [name for score, name in ranked if score >= 0.6][:limit]
