"""The import benchmark runs at its smoke size and prints its JSON line with exact change reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_bench_smoke() -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "bench", "import", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = json.loads(result.stdout.strip().splitlines()[-1])
    sqlite = line["metrics"]["sqlite"]
    assert line["workload"] == "import" and sqlite["rows"] == 400
    assert sqlite["again_changed_rows"] == 0 and sqlite["xlsx_changed_rows"] == 0
    assert sqlite["one_percent_changed_rows"] == 4 and sqlite["one_percent_reported_exactly"]
    assert line["baselines"]["sqlite"]["one_by_one_seconds"] > 0
