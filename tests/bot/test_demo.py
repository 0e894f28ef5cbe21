"""`leadbot demo` runs the whole hand-off and shows what each channel saw."""

from __future__ import annotations

import io

from bot.demo import run_demo


def test_demo_shows_cards_a_claim_and_the_private_answers() -> None:
    out = io.StringIO()
    run_demo(out=out)
    text = out.getvalue()
    assert '201 {"id":1,"stage":"sales_ready"' in text
    assert '400 {"errors":[{"field":"email"' in text  # the throw-away address
    assert '200 {"id":1,' in text  # the same person merged
    assert "#C0ENTR0001" in text
    assert "Claimed by <@U0REPENTR1>" in text
    assert "Lead #1 is already claimed by <@U0REPENTR1>." in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text.split("== 3.")[1]
    assert "GET /healthz -> 200" in text
