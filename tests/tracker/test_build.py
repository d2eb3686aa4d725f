"""The tracker build: esbuild output is deterministic, the committed tracker_js/dist/peil.js
is exactly what tracker_js/src builds to (so nobody edits src without rebuilding), and the
gzip -9 size stays within the 3,072-byte budget of DESIGN.md."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.browser import DIST, TRACKER_JS

BUDGET = 3072


def npm_ready() -> None:
    """Install the pinned esbuild (npm ci, from package-lock.json) when it is missing."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: the tracker build needs Node.js >= 18 and npm")
    if not (TRACKER_JS / "node_modules" / "esbuild").is_dir():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=TRACKER_JS,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"


def build(out: Path) -> subprocess.CompletedProcess[str]:
    npm_ready()
    return subprocess.run(
        ["node", "build.mjs", "--out", str(out)],
        cwd=TRACKER_JS,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    out = tmp_path_factory.mktemp("tracker") / "peil.js"
    done = build(out)
    assert done.returncode == 0, f"build failed:\n{done.stdout}\n{done.stderr}"
    return out.read_bytes(), done.stdout


def test_committed_dist_is_the_build_of_src(built: tuple[bytes, str]) -> None:
    code, _ = built
    assert DIST.is_file(), "tracker_js/dist/peil.js is missing: run `npm run build` in tracker_js"
    assert code == DIST.read_bytes(), (
        "tracker_js/dist/peil.js differs from a fresh build of tracker_js/src: "
        "run `npm run build` in tracker_js and commit dist/peil.js"
    )


def test_build_is_deterministic(built: tuple[bytes, str], tmp_path: Path) -> None:
    code, _ = built
    again = tmp_path / "again.js"
    assert build(again).returncode == 0
    assert again.read_bytes() == code


def test_gzip_size_within_budget(built: tuple[bytes, str]) -> None:
    code, _ = built
    size = len(gzip.compress(code, compresslevel=9, mtime=0))
    assert size <= BUDGET, f"peil.js is {size} B gzipped, over the {BUDGET} B budget"


def test_build_reports_sizes(built: tuple[bytes, str]) -> None:
    code, stdout = built
    size = len(gzip.compress(code, compresslevel=9, mtime=0))
    printed = re.search(r"raw (\d+) B, gzip -9 (\d+) B, brotli (\d+) B", stdout)
    assert printed, stdout
    raw, gz, br = map(int, printed.groups())
    assert raw == len(code)
    # node's bundled zlib and Python's may differ by a few bytes at the same level
    assert abs(gz - size) <= 16
    assert 0 < br < raw


def test_build_is_one_minified_iife() -> None:
    code = DIST.read_text("utf-8")
    assert code.startswith("(()=>{/*! peil.js")
    assert code.rstrip().endswith("})();")
    assert code.count("\n") <= 1
    assert '"0.1.0"' in code  # the version, from package.json
