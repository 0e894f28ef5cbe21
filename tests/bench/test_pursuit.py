"""bench/pursuit.py runs end to end (tiny sizes, SQLite only): it must not rot."""

from __future__ import annotations

import pytest

from bench.pursuit import main


def test_the_pursuit_bench_runs_and_reports_every_kind_and_the_slack_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--leads", "300", "--requests", "3", "--warmup", "1", "--check", "1",
          "--postgres-url", "none"])  # fmt: skip
    report = capsys.readouterr().out
    assert "## SQLite" in report
    for row in ("/noop (baseline)", "/lead show", "/lead qualify", "Qualify button", "/lead mine"):
        assert f"\n{row} " in report
    assert "(no Slack call before any ack)" in report
    assert "Problems" not in report
