"""The `naba` command (also `python -m bot`): run the bot, analyse one article, evaluate the pipeline."""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.logs import configure_logging
from bot.config import Settings, load_settings
from bot.errors import ConfigError, NabaError
from bot.models import Brief, Lang, Source

if TYPE_CHECKING:
    from bot.app.services import Services

EXIT_ERROR = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="naba", description="Naba: grounded briefs of Arabic news on Telegram.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the Telegram bot (long polling, or a webhook when WEBHOOK_URL is set)")
    analyze = commands.add_parser("analyze", aliases=["analyse"], help="print the brief of one article")
    analyze.add_argument("path", help="a text file, or - for standard input")
    analyze.add_argument(
        "--lang", choices=["ar", "en"], default=None, help="reply language (default: DEFAULT_LANGUAGE)"
    )
    analyze.add_argument("--json", action="store_true", help="print the grounded analysis as JSON")
    evaluate = commands.add_parser("eval", help="score the pipeline on a gold-annotated JSONL dataset")
    evaluate.add_argument("dataset", type=Path)
    evaluate.add_argument("--limit", type=int, default=None, help="only the first N articles")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the naba command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run":
            from bot.app.application import run_bot

            configure_logging(settings)
            run_bot(settings)
            return 0
        configure_logging(settings, level="WARNING")
        if args.command in ("analyze", "analyse"):
            return asyncio.run(_analyze(settings, args.path, args.lang or settings.default_language, args.json))
        return asyncio.run(_evaluate(settings, args.dataset, args.limit, args.json))
    except ConfigError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"naba: {message}", file=sys.stderr)
    return code


def _require_llm(settings: Settings) -> None:
    if settings.openai_api_key is None and settings.openai_base_url is None:
        raise ConfigError("OPENAI_API_KEY is not set (or set OPENAI_BASE_URL to a local OpenAI-compatible server)")


def _read(path: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a text file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    if b"\x00" in data[:4096]:
        raise ConfigError(f"{path}: is not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text") from None


def plain_text(message_html: str) -> str:
    """What a reader sees of a Telegram HTML message."""
    return html.unescape(re.sub(r"<[^>]+>", "", message_html))


async def _open(settings: Settings) -> Services:
    """Open the services; imported late because the openai package alone takes a second to import."""
    from bot.app.services import Services

    return await Services.open(settings)


async def _analyze(settings: Settings, path: str, lang: Lang, as_json: bool) -> int:
    from bot.render.brief import render_brief

    text = _read(path)
    _require_llm(settings)
    services = await _open(settings)
    try:
        brief = await services.pipeline.analyse(text, source=Source(kind="paste"))
    except NabaError as exc:
        return _fail(str(exc))
    finally:
        await services.close()
    if as_json:
        print(brief.analysis.model_dump_json(indent=2))
    else:
        print("\n\n".join(plain_text(m.html) for m in render_brief(brief.analysis, brief.article, lang)))
    print(_cost(brief), file=sys.stderr)
    return 0


def _cost(brief: Brief) -> str:
    if brief.from_cache:
        what = "from the cache: no LLM call"
    else:
        u = brief.usage
        what = f"{u.calls} LLM call(s), {u.prompt_tokens} prompt + {u.completion_tokens} completion tokens"
    g = brief.grounding
    dropped = f"quotes dropped {g.dropped_quotes}, snapped {g.snapped_quotes}; actors dropped {g.dropped_actors}"
    return f"naba: {what}; {dropped}"


async def _evaluate(settings: Settings, dataset: Path, limit: int | None, as_json: bool) -> int:
    from bot.app import evaluation

    try:
        items = evaluation.load_dataset(dataset, limit)
    except FileNotFoundError:
        return _fail(f"{dataset}: no such file")
    except (ValueError, OSError) as exc:
        return _fail(str(exc))
    _require_llm(settings)
    services = await _open(settings)
    rows = []
    try:
        for gold in items:
            started = evaluation.now()
            try:
                brief = await services.pipeline.analyse(gold.article)
            except NabaError as exc:
                rows.append(evaluation.failed_row(gold, str(exc), evaluation.now() - started))
                continue
            rows.append(evaluation.score(gold, brief, evaluation.now() - started))
            if not as_json:
                print(f"… {gold.id}", file=sys.stderr)
    finally:
        await services.close()
    summary = evaluation.total(rows)
    print(evaluation.report_json(rows, summary) if as_json else evaluation.table(rows, summary))
    return 0 if all("error" not in row for row in rows) else EXIT_ERROR
