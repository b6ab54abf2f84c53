"""The benchmarks run: each script, with a few requests, prints its figures and exits 0.

They time nothing here (figures are for `python benchmarks/<name>.py` on a quiet machine);
this only keeps them working as the code under them changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RUNS = [
    ("query_speed.py", ["--requests", "10"], "first sight each time"),
    ("apply_speed.py", ["--requests", "10"], "ratio"),
    ("inheritance_speed.py", ["--requests", "10"], "ratio"),
    ("operation_speed.py", ["--requests", "10"], "ratio"),
    ("write_speed.py", ["--requests", "10"], "ratio"),
    ("async_speed.py", ["--requests", "10", "--jobs", "5", "--rows", "2000", "--skip-redis"], "peak RSS MB"),
    ("stream_memory.py", ["--rows", "2000"], "peak RSS"),
]


@pytest.mark.parametrize(("script", "arguments", "printed"), RUNS)
def test_a_benchmark_runs(script: str, arguments: list[str], printed: str) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *arguments],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert printed in run.stdout, run.stdout
