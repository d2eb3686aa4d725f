"""`peil`: the command line. One module per command group, each with its help.

Expected failures (bad flags, bad configuration or a misspelt PEIL_* variable,
unknown site, unreachable database) end as one sentence on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from collector import __version__
from collector.cli import (
    audit,
    config,
    demo,
    forget,
    goals,
    migrate,
    privacy_statement,
    purge,
    serve,
    sites,
    status,
    subject_export,
    tokens,
    users,
)
from collector.config import load_settings
from collector.errors import PeilError

COMMANDS = (
    serve,
    migrate,
    sites,
    users,
    tokens,
    goals,
    purge,
    forget,
    subject_export,
    privacy_statement,
    audit,
    status,
    demo,
    config,
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one sentence instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = message[0].upper() + message[1:]
        raise PeilError(f"{message.rstrip('.')} (see {self.prog} --help).")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="peil",
        description="Peil: self-hosted, privacy-friendly analytics for websites and media players.",
        epilog="Configuration comes from PEIL_* environment variables; `peil config` lists them.",
    )
    parser.add_argument("--version", action="version", version=f"peil {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def run(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Parse and run one command; return the exit code."""
    environ = os.environ if environ is None else environ
    try:
        args = build_parser().parse_args(argv)
        if args.reads_environment:
            return args.handler(args, environ) or 0
        settings = load_settings(environ, **args.settings_overrides(args))
        return args.handler(args, settings) or 0
    except PeilError as exc:
        print(f"peil: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def main() -> None:
    sys.exit(run())
