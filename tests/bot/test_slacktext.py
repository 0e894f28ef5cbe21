"""User text is escaped and cut so Slack neither pings, links nor rejects it."""

from __future__ import annotations

import pytest

from bot.slacktext import ELLIPSIS, escape, fit


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<https://evil|x>", "&lt;https://evil|x&gt;"),
        ("Smith & Sons", "Smith &amp; Sons"),
        ("<@U0123ABCD>", "&lt;@U0123ABCD&gt;"),
        ("plain", "plain"),
    ],
)
def test_escape_neutralises_control_sequences(raw: str, safe: str) -> None:
    assert escape(raw) == safe


def test_fit_keeps_short_text_whole() -> None:
    assert fit("Acme & Co", 100) == "Acme &amp; Co"


def test_fit_cuts_with_an_ellipsis_within_the_limit() -> None:
    out = fit("x" * 5000, 2000)
    assert len(out) == 2000
    assert out.endswith(ELLIPSIS)


def test_fit_never_splits_an_entity() -> None:
    out = fit("&" * 100, 50)
    assert len(out) <= 50
    assert out.removesuffix(ELLIPSIS).replace("&amp;", "") == ""
