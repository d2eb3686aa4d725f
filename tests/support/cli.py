"""`peil ARGV` run in the test process, its exit code and output captured."""

from __future__ import annotations

import io
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from collector.cli import run


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*argv: str, env: dict[str, str], stdin: str = "") -> CliResult:
    """Run `peil ARGV` in this process (in a thread with its own event loop)."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err), ThreadPoolExecutor(1) as pool:
            code = pool.submit(run, list(argv), env).result()
    finally:
        sys.stdin = saved_stdin
    return CliResult(code, out.getvalue(), err.getvalue())
