"""The enterprises benchmark runs end to end at its smoke size and prints one JSON line (no timing
is asserted: speed belongs to the benchmark itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_run_prints_its_json_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_ENTERPRISES_DATABASE_URL")}
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT}"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "enterprises", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert line["workload"] == "enterprises"
    assert line["metrics"]["employees_imported"] == 1200
    assert line["metrics"]["duplicate_check_found"] == line["metrics"]["duplicate_check_claims"] == 2000
    assert set(line["targets"]) == {"import_rows_per_s", "duplicate_check_s", "dashboard_p95_s"}
    assert line["baselines"]["dashboard_over_baseline"] > 0
