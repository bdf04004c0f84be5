"""`python -m bot …` is the same as the `naba` command."""

from bot.app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
