"""Telegram's content rules: HTML parse mode (after tdlib's ``parse_html``), text limits, inline keyboards.

``parse_html`` turns the ``text`` of a ``parse_mode=HTML`` request into the plain text and the
MessageEntity dicts a user would see, or raises ``HtmlParseError`` with Telegram's own wording
(the server prefixes it with ``Bad Request: can't parse entities: ``).  Behaviour copied from Telegram:

* tags: b strong i em u ins s strike del tg-spoiler span(class="tg-spoiler") a code pre blockquote
  (``expandable``) tg-emoji(emoji-id); tag names are case-insensitive; anything else is an error;
* entities: ``&lt; &gt; &amp; &quot;`` and numeric ``&#NN;``/``&#xHH;``, the ``;`` being optional;
  a bare ``&`` or an unknown named entity such as ``&nbsp;`` stays literal text (Telegram tolerates
  them), a bare ``>`` is literal too, but every ``<`` starts a tag, so ``a<b`` or ``a < b`` is an error;
* ``<a>`` without href links its own text; a ``language-x`` class on ``<code>`` inside ``<pre>``
  becomes the pre entity's language;
* offsets and lengths are UTF-16 code units; empty entities are dropped.

``strip_text`` applies Telegram's trimming of leading/trailing blank characters (entities adjusted),
``format_text`` adds parse-mode dispatch and the length rules, ``check_reply_markup`` the keyboard rules;
both raise ``ApiError`` carrying the HTTP status and description the Bot API would answer.
"""

from __future__ import annotations

import re
from string import hexdigits
from typing import Any

SUPPORTED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span", "code", "pre"}
    | {"blockquote", "tg-emoji"}
)
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}  # fmt: skip
_PRIORITY = {  # tdlib's order for entities with the same span
    "blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20, "text_link": 49, "bold": 90,
    "italic": 91, "underline": 92, "strikethrough": 93, "spoiler": 94, "custom_emoji": 99,
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = frozenset(" \t\r\n\v\f")
_SPECIAL = re.compile(r"[<&]")
_BLANK = frozenset("\u200b\u2800\u3164\ufeff")
_BUTTON_URL = re.compile(r"^(https?|tg)://\S+$")
_BUTTON_ACTIONS = frozenset({
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
})  # fmt: skip
_URL = re.compile(r"^(?:(?:https?|tg|ftp)://\S+|[\w.-]+\.[a-z]{2,}(?:[/?#]\S*)?)$", re.IGNORECASE)


class HtmlParseError(ValueError):
    """Telegram refuses the HTML; ``str(error)`` is its description after ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference starting at ``text[pos] == '&'``: (char, end) or None if literal."""
    n, end = len(text), pos + 1
    if end < n and text[end] == "#":
        end += 1
        base = 10
        if end < n and text[end] in "xX":
            base, end = 16, end + 1
        start = end
        digit_chars = hexdigits if base == 16 else "0123456789"
        while end < n and text[end] in digit_chars:
            end += 1
        digits = text[start:end]
        code = int(digits, base) if 0 < len(digits) <= 8 else 0
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end


def _skip_spaces(html: str, i: int) -> int:
    while i < len(html) and html[i] in _SPACE:
        i += 1
    return i


def _parse_start_tag(html: str, begin: int) -> tuple[str, str, bool, int]:
    """Parse ``<tag attr=...>`` at ``begin``; return (tag, argument, expandable, index after '>')."""
    n, i = len(html), begin + 1
    while i < n and html[i] not in _SPACE and html[i] != ">":
        i += 1
    at = _byte_offset(html, begin)
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
    tag = html[begin + 1 : i].lower()
    if tag not in SUPPORTED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
    argument, expandable = "", False
    while True:
        i = _skip_spaces(html, i)
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
        if html[i] == ">":
            break
        name_start = i
        while i < n and html[i] not in _SPACE and html[i] not in "=>":
            i += 1
        name = html[name_start:i]
        if not name:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
        i = _skip_spaces(html, i)
        if i >= n or html[i] != "=":
            if tag == "blockquote" and name == "expandable":
                expandable = True
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {at}'
            )
        i = _skip_spaces(html, i + 1)
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        if html[i] in "'\"":
            quote, i, chars = html[i], i + 1, []
            while i < n and html[i] != quote:
                decoded = _decode_entity(html, i) if html[i] == "&" else None
                if decoded:
                    chars.append(decoded[0])
                    i = decoded[1]
                else:
                    chars.append(html[i])
                    i += 1
            i = min(i + 1, n)
            value = "".join(chars)
        else:
            token_start = i
            while i < n and ((html[i].isascii() and html[i].isalnum()) or html[i] in ".-"):
                i += 1
            value = html[token_start:i].lower()
            if i < n and html[i] not in _SPACE and html[i] != ">":
                at_token = _byte_offset(html, token_start)
                raise HtmlParseError(f"Unexpected end of name token at byte offset {at_token}")
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
        if (tag, name) in (("a", "href"), ("tg-emoji", "emoji-id")):
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
    if tag == "span" and argument != "spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    if tag == "tg-emoji" and not (argument.isascii() and argument.isdigit() and int(argument) > 0):
        raise HtmlParseError("Invalid custom emoji identifier specified")
    return tag, argument, expandable, i + 1


def _close_entity(
    entities: list[dict[str, Any]],
    tag: str,
    argument: str,
    expandable: bool,
    offset: int,
    length: int,
    inner: str,
) -> None:
    """Append the entity that the closed tag produced (merging pre/code pairs like Telegram)."""
    span = {"offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE:
        entities.append({"type": _SIMPLE[tag], **span})
    elif tag == "a":
        url = argument or inner
        if _URL.match(url):
            entities.append({"type": "text_link", **span, "url": url})
    elif tag == "code":
        if last is not None and same_span and last["type"] == "pre":
            if argument:
                last["language"] = argument
        else:
            entities.append({"type": "code", **span, "_language": argument})
    elif tag == "pre":
        if last is not None and same_span and last["type"] == "code":
            language = last.pop("_language")
            last.clear()
            last.update({"type": "pre", **span}, **({"language": language} if language else {}))
        else:
            entities.append({"type": "pre", **span})
    elif tag == "blockquote":
        entities.append({"type": "expandable_blockquote" if expandable else "blockquote", **span})
    else:  # tg-emoji
        entities.append({"type": "custom_emoji", **span, "custom_emoji_id": argument})


def parse_html(html: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities); raise HtmlParseError where Telegram would."""
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, str, bool, int, int]] = []  # tag, argument, expandable, utf16 offset, len(out)
    entities: list[dict[str, Any]] = []
    i, n = 0, len(html)
    while i < n:
        char = html[i]
        if char == "&":
            decoded = _decode_entity(html, i)
            piece, i = decoded if decoded else ("&", i + 1)
        elif char != "<":
            match = _SPECIAL.search(html, i)
            end = match.start() if match else n
            piece, i = html[i:end], end
        else:
            if i + 1 < n and html[i + 1] == "/":
                i = _close_tag(html, i, stack, entities, out, u16)
            else:
                tag, argument, expandable, i = _parse_start_tag(html, i)
                stack.append((tag, argument, expandable, u16, len(out)))
            continue
        out.append(piece)
        u16 += utf16_len(piece)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
    return "".join(out), entities


def _close_tag(
    html: str,
    begin: int,
    stack: list[tuple[str, str, bool, int, int]],
    entities: list[dict[str, Any]],
    out: list[str],
    u16: int,
) -> int:
    """Handle ``</tag>`` at ``begin``; return the index after it."""
    n, at = len(html), _byte_offset(html, begin)
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {at}")
    i = begin + 2
    while i < n and html[i] not in _SPACE and html[i] != ">":
        i += 1
    end_name = html[begin + 2 : i]
    i = _skip_spaces(html, i)
    if i >= n or html[i] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {at}")
    tag, argument, expandable, offset, out_index = stack.pop()
    if end_name and end_name.lower() != tag:
        raise HtmlParseError(f'Unmatched end tag at byte offset {at}, expected "</{tag}>", found "</{end_name}>"')
    if u16 > offset:
        _close_entity(entities, tag, argument, expandable, offset, u16 - offset, "".join(out[out_index:]))
    return i + 1


def _is_blank(char: str) -> bool:
    return char.isspace() or char in _BLANK


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing blanks like Telegram does, shifting and clipping the entities."""
    start, end = 0, len(text)
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    if start == 0 and end == len(text):
        return text, entities
    lead, total = utf16_len(text[:start]), utf16_len(text[start:end])
    fixed = []
    for entity in entities:
        first = max(entity["offset"] - lead, 0)
        last = min(entity["offset"] + entity["length"] - lead, total)
        if last > first:
            fixed.append({**entity, "offset": first, "length": last - first})
    return text[start:end], fixed


class ApiError(Exception):
    """An ``ok: false`` answer: HTTP status, description and optional ResponseParameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram would send."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        return body | ({"parameters": self.parameters} if self.parameters else {})


def format_text(
    raw: str,
    parse_mode: str,
    entities: list[dict[str, Any]] | None,
    *,
    limit: int,
    too_long: str,
    allow_empty: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities a user would see for a request, or ApiError(400) for what Telegram refuses."""
    if entities or not parse_mode:
        text, entities = raw, list(entities or [])
    elif parse_mode.lower() == "html":
        try:
            text, entities = parse_html(raw)
        except HtmlParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    elif parse_mode.lower() in ("markdown", "markdownv2"):
        raise ApiError(400, f"Bad Request: FakeTelegram does not implement parse_mode {parse_mode}; use HTML")
    else:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    text, entities = strip_text(text, entities)
    size = utf16_len(text)
    if size == 0 and not allow_empty:
        raise ApiError(400, "Bad Request: message text is empty")
    if size > limit:
        raise ApiError(400, too_long)
    return text, entities


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate a reply_markup like Telegram (inline buttons: non-empty text, 1-64 byte callback_data)."""
    if markup is None:
        return None
    bad = ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise bad
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        elif "url" in button and not _BUTTON_URL.match(str(button["url"])):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        elif not _BUTTON_ACTIONS & button.keys():
            reason = "Text buttons are unallowed in the inline keyboard"
            raise ApiError(400, f"Bad Request: can't parse inline keyboard button: {reason}")
    return markup
