"""`leadbot demo` runs the whole hand-off and shows what each channel saw."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.runtime.cli import cli
from bot.runtime.demo import run_demo
from bot.runtime.demo_clock import CHART_FILE
from bot.runtime.settings import Settings


@pytest.fixture(scope="module")
def demo_output(chart_dir: Path) -> str:
    out = io.StringIO()
    run_demo(out=out, chart_dir=chart_dir)
    return out.getvalue()


@pytest.fixture(scope="module")
def chart_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


def test_demo_shows_cards_a_claim_and_the_private_answers(demo_output: str) -> None:
    text = demo_output
    assert '201 {"id":1,"stage":"sales_ready"' in text
    assert '400 {"errors":[{"field":"email"' in text  # the throw-away address
    assert '200 {"id":1,' in text  # the same person merged
    assert "/f/contact-sales (no token; nurtured)\n    303 -> https://" in text  # an HTML form
    assert "#enterprise (1 message)" in text
    assert "Claimed by @enterprise-rep after under a minute" in text
    assert "Only visible to @enterprise-manager:\n        Lead #1 is already claimed by" in text


def test_demo_shows_channels_as_people_read_them(demo_output: str) -> None:
    channels = demo_output.split("== 3.")[1]
    assert re.search(r"Waiting since (Today|Yesterday) at \d{1,2}:\d\d [AP]M", channels)
    for markup in ("<@", "<#", "<!date", "&amp;", "&lt;"):
        assert markup not in channels


def test_demo_shows_the_escaped_name_literally_and_pings_nobody(demo_output: str) -> None:
    assert "*<!channel> <https://evil.example|click>* — CEO at *North & Co*" in demo_output
    assert "@channel" not in demo_output


def test_demo_shows_reps_working_their_leads_and_the_threads(demo_output: str) -> None:
    work = demo_output.split("== 6.")[1]
    assert "/lead qualify 1 demo booked for Thursday\n    -> Done:" in work
    thread = work.split("== 7.")[1]
    for line in (
        "@enterprise-rep claimed it",
        "@enterprise-rep logged an attempt: call: no answer",
        "@enterprise-rep qualified it: demo booked for Thursday",
    ):
        assert "↳ [" in thread and line in thread
    assert "[Won]  [Lost]  [Hold]" in thread
    marketing = thread.split("#marketing (2 messages)")[1]
    assert "disqualified it: spam" in marketing
    assert re.search(r"recycled it: budget frozen; revisit \w{3} \d{1,2}, 20\d\d", marketing)


def test_demo_brings_the_recycled_lead_back_on_its_revisit_date(demo_output: str) -> None:
    step = demo_output.split("== 10.")[1]
    assert "nurture: 1 back from their revisit date" in step
    assert "↳ Back to sales on " in step and "A fresh card is in #americas-sales." in step
    fresh = step.split("the fresh card:")[1]
    assert (
        ":recycle: Back from nurture: its revisit date came. Recycled by @americas-sales-rep-1"
        in fresh
    )
    assert "the earlier thread (https://leadbot-fake.slack.com/archives/C0AMER0001/p" in fresh
    assert "*Lead #4* (Ana Lima) is back with sales" in step
    # Tom's demo request cooled too, but step 8 gave him to a rep: decay never takes a lead
    # from a rep.
    assert "(Tom Hughes) is back with marketing" not in step


def test_demo_is_short(demo_output: str) -> None:
    assert len(demo_output.splitlines()) <= 200


def test_the_next_steps_the_demo_suggests_work_in_an_empty_folder(
    demo_output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    suggested = re.findall(r"^  leadbot ([\w-]+)", demo_output.split("Done.")[1], re.MULTILINE)
    assert suggested == ["init", "check-config"]
    for command in suggested:  # conftest: each test runs in its own empty directory
        result = CliRunner().invoke(cli, [command])
        assert result.exit_code == 0, result.output


def test_demo_jumps_the_clock_and_nobody_rots(demo_output: str) -> None:
    rots = demo_output.split("== 8.")[1]
    steps = rots.split("(leadbot jobs run sla --now ")
    assert len(steps) == 6  # five jumps of the clock, each a sweep
    assert "has waited" in steps[1] and "Who takes it?" in steps[1]  # re-announced
    offer, after_pass = steps[2].split("clicks Pass")
    assert "offered to you" in offer and "[Accept]  [Pass]" in offer
    assert "offered to you" in after_pass  # the next rep, at once
    assert "nobody took it" in steps[3] and "[Assign] @emea-sales-rep-1" in steps[3]
    assert "@emea-sales-manager assigned *Lead #2*" in steps[3]
    for line in ("offered to @emea-sales-rep-", "passed: the next rep is asked",
                 "No answer from @emea-sales-rep-", "assigned it to @emea-sales-rep-"):  # fmt: skip
        assert "↳ emea-sales: " in steps[3] and line in steps[3]
    assert "past the playbook's time" in steps[4] and "[Snooze…]" in steps[4]
    assert "the reminder did not move it" in steps[5]
    for markup in ("<@", "<!date", "days=", "minutes="):
        assert markup not in rots


def test_demo_ends_with_the_digest_and_writes_the_chart(demo_output: str) -> None:
    digest = demo_output.split("== 11.")[1]
    assert "the weekly digest in the managers' channel" in digest
    assert "Weekly funnel — Acme Analytics — week of" in digest
    assert "*Leads in:* 5" in digest and "claimed *4*" in digest
    assert "↳ [image: funnel.png] written to ./leadbot-demo-funnel.png" in digest
    assert "<@" not in digest and "<!date" not in digest


def test_the_demo_writes_the_chart_as_a_png(demo_output: str, chart_dir: Path) -> None:
    chart = (chart_dir / CHART_FILE).read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n") and len(chart) > 10_000
