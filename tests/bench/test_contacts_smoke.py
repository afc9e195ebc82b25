"""W4 at its smoke size: the workload runs end to end and prints its JSON line (speed is not asserted)."""

from __future__ import annotations

import json

import pytest

from bench import contacts


def test_contacts_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    contacts.main(["--smoke"])
    line = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(line)
    assert result["workload"] == "contacts"
    run = result["metrics"]["sqlite_smoke"]
    assert run["generations"] <= 6 and run["chain_nodes"] > 0
    # Every contact became work exactly once: the second run changed nothing.
    assert run["tasks"] + run["measures"] == run["judge_contacts"]
    assert run["second_run_unchanged"] == run["tasks"]
    assert set(result["baselines"]["sqlite_smoke"]) >= {"hood_ratio_vs_cte", "chain_ratio_vs_cte"}
