"""bench/slack_resilience.py runs end to end (tiny sizes, no outage wait): it must not rot."""

from __future__ import annotations

import pytest

from bench.slack_resilience import main


def test_the_resilience_bench_runs_and_reports_both_measures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--claims", "2", "--cards", "3", "--outage", "0", "--webhook-latency", "0.01",
          "--postgres-url", "none"])  # fmt: skip
    report = capsys.readouterr().out
    assert "## SQLite" in report
    assert "response_url taking 0.01 s" in report
    assert "drained in order: yes" in report
