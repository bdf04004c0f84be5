"""The `naba` command (also `python -m bot`): run the bot, analyse one article, evaluate the pipeline,
check the set-up (`naba doctor`, in bot/app/doctor.py).

Each command imports what it needs when it needs it: input is checked before anything is opened,
a cached analysis is answered without the model client or tiktoken (they load on a cache miss),
and only `run` and `doctor` import python-telegram-bot. Every failure a user can cause or fix is one
line on stderr naming the file or setting, with secrets masked; nothing of that kind prints a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.logs import configure_logging, redact
from bot.config import Settings, load_settings
from bot.errors import InputTooLong, NabaError
from bot.llm.spend import FREE
from bot.models import Article, Brief, Lang, Source

if TYPE_CHECKING:
    from bot.app.evaluation import GoldArticle

log = logging.getLogger(__name__)

EXIT_ERROR = 1
EXIT_USAGE = 2


class FileProblem(NabaError):
    """An input file that cannot be used; the message starts with its name."""

    key = "error_input"


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
    _analyzer_option(analyze)
    evaluate = commands.add_parser("eval", help="score the pipeline on a gold-annotated JSONL dataset")
    evaluate.add_argument("dataset", help="a JSONL file (one gold article per line), or - for standard input")
    evaluate.add_argument("--limit", type=_positive, default=None, help="only the first N articles")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    _analyzer_option(evaluate)
    doctor = commands.add_parser(
        "doctor", help="check the settings, Redis, the Bot API and the model endpoint (one line each, with the fix)"
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as one JSON object")
    return parser


def _analyzer_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--analyzer",
        choices=["auto", "llm", "hybrid", "rules"],
        default=None,
        help="who analyses: the model, the model with the rule-based extractor, or the rules (default: ANALYZER)",
    )


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def main(argv: list[str] | None = None) -> int:
    """Run the naba command line; returns the exit code."""
    args = _parser().parse_args(argv)
    settings: Settings | None = None
    try:
        if args.command == "doctor":  # it loads the settings itself: their failure is one of its lines
            from bot.app.doctor import doctor

            return doctor(as_json=args.json)
        analyzer = getattr(args, "analyzer", None)
        settings = load_settings(**({"analyzer": analyzer} if analyzer else {}))
        if args.command == "run":
            configure_logging(settings)
            from bot.app.application import run_bot

            run_bot(settings)
            return 0
        configure_logging(settings, level="WARNING")
        if args.command in ("analyze", "analyse"):
            return _analyze(settings, args.path, args.lang or settings.default_language, args.json)
        return _evaluate(settings, args.dataset, args.limit, args.json)
    except NabaError as exc:
        return _fail(str(exc), settings)
    except KeyboardInterrupt:
        return 130
    except Exception:
        # A bug, not a user's mistake: the traceback goes through the logging filter that masks secrets.
        log.exception("naba %s failed unexpectedly", args.command)
        return EXIT_ERROR


def _fail(message: str, settings: Settings | None = None, code: int = EXIT_ERROR) -> int:
    print(f"naba: {redact(message, settings)}", file=sys.stderr)
    return code


def read_text(path: str, max_chars: int | None = None) -> str:
    """A UTF-8 text file's content ("-" is standard input); raises FileProblem naming the file.

    With max_chars, at most the bytes that many characters can take are read (so /dev/zero or a huge
    file is refused at once as too long, never read whole).
    """
    name = "standard input" if path == "-" else path
    limit = -1 if max_chars is None else max_chars * 4 + 16
    read = -1 if max_chars is None else limit + 1
    try:
        if path == "-":
            data = sys.stdin.buffer.read(read)
        else:
            with Path(path).open("rb") as file:
                data = file.read(read)
    except FileNotFoundError:
        raise FileProblem(f"{name}: no such file") from None
    except IsADirectoryError:
        raise FileProblem(f"{name}: is a directory, not a text file") from None
    except OSError as exc:
        raise FileProblem(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in data[:4096]:
        raise FileProblem(f"{name}: is not a text file (it holds binary data)")
    if max_chars is not None and len(data) > limit:
        raise InputTooLong(
            f"{name}: the text has more than {max_chars} characters; the limit is {max_chars}",
            limit=max_chars,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(f"{name}:{line}: is not UTF-8 text (save it as UTF-8)") from None


def plain_text(message_html: str) -> str:
    """What a reader sees of a Telegram HTML message."""
    return html.unescape(re.sub(r"<[^>]+>", "", message_html))


def _analyze(settings: Settings, path: str, lang: Lang, as_json: bool) -> int:
    from bot.pipeline.analyse import prepare_article

    text = read_text(path, settings.max_input_chars)
    article = prepare_article(settings, text, Source(kind="paste"))  # refusals end here, in a blink
    return asyncio.run(_brief(settings, article, lang, as_json))


async def _brief(settings: Settings, article: Article, lang: Lang, as_json: bool) -> int:
    from bot.app.services import Core
    from bot.render.brief import render_brief

    core = await Core.open(settings)
    try:
        brief = await core.pipeline.brief(article, spender=FREE)  # the operator's own run: no budget
    finally:
        await core.close()
    if as_json:
        print(brief.analysis.model_dump_json(indent=2))
    else:
        rendered = render_brief(brief.analysis, brief.article, lang, analyser=brief.analyser, standin=brief.standin)
        print("\n\n".join(plain_text(m.html) for m in rendered))
    print(_cost(brief), file=sys.stderr)
    return 0


def _cost(brief: Brief) -> str:
    if brief.standin is not None:
        what = f"the model could not analyse it ({brief.standin.key}): the rule-based analyser stood in, no LLM call"
    elif brief.offline and not brief.from_cache:
        what = "made by the rule-based analyser: no LLM call"
    elif brief.from_cache:
        what = "from the cache: no LLM call"
    else:
        u = brief.usage
        what = f"{u.calls} LLM call(s), {u.prompt_tokens} prompt + {u.completion_tokens} completion tokens"
    g = brief.grounding
    dropped = f"quotes dropped {g.dropped_quotes}, snapped {g.snapped_quotes}; actors dropped {g.dropped_actors}"
    return f"naba: {what}; {dropped}"


def _evaluate(settings: Settings, dataset: str, limit: int | None, as_json: bool) -> int:
    from bot.app import evaluation

    name = "standard input" if dataset == "-" else dataset
    try:
        items = evaluation.parse_dataset(read_text(dataset), name, limit)
    except ValueError as exc:
        raise FileProblem(str(exc)) from None
    return asyncio.run(_score(settings, items, as_json))


async def _score(settings: Settings, items: list[GoldArticle], as_json: bool) -> int:
    from bot.app import evaluation
    from bot.app.services import Core

    core = await Core.open(settings)
    rows = []
    try:
        for gold in items:
            started = evaluation.now()
            try:
                # The analyser is measured, not its stand-in: a failure is a failed row.
                brief = await core.pipeline.analyse(gold.article, stand_in=False)
            except NabaError as exc:
                rows.append(evaluation.failed_row(gold, redact(str(exc), settings), evaluation.now() - started))
                continue
            rows.append(evaluation.score(gold, brief, evaluation.now() - started))
            if not as_json:
                print(f"… {gold.id}", file=sys.stderr)
    finally:
        await core.close()
    summary = evaluation.total(rows)
    print(evaluation.report_json(rows, summary) if as_json else evaluation.table(rows, summary))
    return 0 if all("error" not in row for row in rows) else EXIT_ERROR
