"""`python -m bench [--quick] [--only pipeline|extract|memory|bot|digest|cli|cluster] [--subscribers N] [--chats N]`.

Prints the figures."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import time
import warnings
from datetime import UTC, datetime

from bench import bot, cli, cluster, digest, extract, fanout, memory, pipeline
from bench.common import redis_server

QUICK_SUBSCRIBERS, SUBSCRIBERS = 200, 10_000
QUICK_CHATS, CHATS = 10, 50


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description="Naba's benchmarks (DESIGN §5).")
    parser.add_argument("--quick", action="store_true", help="small N for a smoke run (under a minute)")
    parser.add_argument(
        "--only", choices=("pipeline", "extract", "memory", "bot", "digest", "cli", "cluster"), help="run one section"
    )
    parser.add_argument("--subscribers", type=int, help=f"digest subscribers (default {SUBSCRIBERS:,})")
    parser.add_argument("--chats", type=int, help=f"simultaneous chats (default {CHATS})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the chosen sections against real Redis and the test stand-ins."""
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="      [log] %(levelname)s %(name)s: %(message)s")
    from telegram.warnings import PTBUserWarning

    # python-telegram-bot's own notices are not the benchmark's concern (pyproject.toml's pytest settings agree).
    warnings.filterwarnings("ignore", category=PTBUserWarning)
    subscribers = args.subscribers or (QUICK_SUBSCRIBERS if args.quick else SUBSCRIBERS)
    chats = args.chats or (QUICK_CHATS if args.quick else CHATS)
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "quick" if args.quick else "full"
    print(f"Naba benchmarks · {stamp} · {mode} · Python {platform.python_version()} · {os.cpu_count()} CPUs")
    print("Figures are measured and printed, never asserted; goals are DESIGN §5's unless marked derived.")
    with redis_server() as (url, where):
        print(f"Redis: {where}", flush=True)
        if args.only in (None, "pipeline"):
            asyncio.run(pipeline.run(url, args.quick))
        if args.only in (None, "extract"):
            extract.run(args.quick)
        if args.only in (None, "memory"):
            asyncio.run(memory.run(url, args.quick))
        if args.only in (None, "bot"):
            asyncio.run(bot.run(url, args.quick, chats))
        if args.only in (None, "digest"):
            asyncio.run(digest.run(url, args.quick))
            asyncio.run(fanout.run(url, subscribers))
        if args.only in (None, "cli"):
            cli.run(url, args.quick)
        if args.only in (None, "cluster"):
            asyncio.run(cluster.limiter_cost(url, args.quick))
            cluster.run(args.quick)
    print(f"\nDone in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
