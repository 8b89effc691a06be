"""``tft-trader`` command line. Each topic module under ``tft_assets.cli`` exposes
``register(subparsers)``; heavy imports happen inside the command functions.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Topic modules that add sub-commands (``tft_assets.cli.<name>.register``).
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "pipeline",
    "sql",
    "imports",
    "posts",
    "report",
    "features",
    "signals",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tft-trader",
        description="Reddit chatter + daily prices -> risk-validated trading signals (Dagster).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"tft_assets.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Errors are printed as one line on stderr with exit status 1 or 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        return 0
    except (ValueError, FileNotFoundError, RuntimeError, KeyError) as exc:
        print(f"tft-trader {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
