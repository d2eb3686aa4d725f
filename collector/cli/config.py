"""`peil config`: every setting with its value in effect, its default and its help.

It reads only the environment (no database is started, no file written), and
it lists every setting even when some are wrong: an unknown PEIL_* variable
or a value that is not allowed is marked in the listing, then named in one
sentence each on stderr, and the exit code is 2.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from collections.abc import Mapping
from typing import Any

from collector.cli.common import add_command
from collector.config import (
    SETTINGS,
    ConfigError,
    Setting,
    Settings,
    not_a_setting,
    unknown_variables,
)

_NOT_ALLOWED = object()


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "config", show_config)
    parser.set_defaults(reads_environment=True)


def show_config(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Show every setting (PEIL_* environment variable): its value in effect, with secrets
    masked, its default and what it does. Starts no database. Exits 2 after the
    listing when a PEIL_* variable is not a setting or a value is not allowed."""
    problems = [not_a_setting(variable) for variable in unknown_variables(environ)]
    values: dict[Setting, Any] = {}
    for setting in SETTINGS:
        try:
            values[setting] = setting.read(environ)
        except ConfigError as exc:
            problems.append(str(exc))
            values[setting] = _NOT_ALLOWED
    print(render(values))
    for problem in problems:
        print(f"peil: {problem}", file=sys.stderr)
    return 2 if problems else 0


def render(values: dict[Setting, Any]) -> str:
    """One block per setting: `VARIABLE  value  (default ...)`, then its help, indented.

    Blocks rather than a table: the help is a sentence, too long for a column
    on a terminal; the first line of a block still greps as one line.
    """
    # What some values are shown with (the secret's file in the data dir, the
    # public URL from host and port) takes the default for a value not allowed.
    effective = Settings(
        **{
            setting.attribute: _default(setting) if value is _NOT_ALLOWED else value
            for setting, value in values.items()
        }
    )
    name_width = max(len(setting.variable) for setting in SETTINGS)
    text_width = max(60, min(100, shutil.get_terminal_size((100, 24)).columns))
    blocks = []
    for setting in SETTINGS:
        value = values[setting]
        if value is _NOT_ALLOWED:
            shown, note = "not allowed (see below)", f"default: {_default_text(setting)}"
        else:
            shown = _shown(setting, value, effective)
            note = "default" if value == _default(setting) else f"default: {_default_text(setting)}"
        help = textwrap.fill(
            setting.help, text_width, initial_indent="    ", subsequent_indent="    "
        )
        blocks.append(f"{setting.variable:<{name_width}}  {shown}  ({note})\n{help}")
    return "\n\n".join(blocks)


def _shown(setting: Setting, value: Any, effective: Settings) -> str:
    try:
        return setting.show(value, effective)
    except TypeError:  # shown with a PEIL_DATA_DIR that is not allowed, nor its default
        return "(shown with PEIL_DATA_DIR, which is not allowed)"


def _default(setting: Setting) -> Any:
    try:
        return setting.read({})
    except ConfigError:  # e.g. ./peil-data is a file here
        return _NOT_ALLOWED


def _default_text(setting: Setting) -> str:
    if setting.default is None:
        return "unset"
    return setting.default or "empty"
