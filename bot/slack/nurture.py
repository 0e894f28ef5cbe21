"""What the nurture job says: a recycled lead back on its revisit date, a lead whose score decayed
across the threshold."""

from __future__ import annotations

from datetime import datetime

from bot.slack.history import who
from bot.slack.outbox import permalink
from bot.slack.text import Message, fit
from store.models import LeadEvent

#: The words a revisit's move and its history line carry.
REVISIT_REASON = "revisit date reached"


def slack_day(at: datetime) -> str:
    """A day every reader sees in their own time zone ('Mon, 2 Mar' in Slack)."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}}|{at.strftime('%Y-%m-%d')}>"


def recycled_words(event: LeadEvent | None) -> str:
    """'by <@U…> on <day>: not now' from the lead's recycle (its move into nurture); "" if none."""
    if event is None:
        return ""
    reason = f": {fit(event.reason, 200)}" if event.reason else ""
    return f"by {who(event.actor)} on {slack_day(event.at)}{reason}"


def _earlier(recycled: str, linked: bool) -> str:
    parts = [f"Recycled {recycled}" if recycled else ""]
    if linked:
        parts.append(permalink("the earlier thread"))
    return " · ".join(p for p in parts if p)


def revisit_card_note(recycled: str, *, linked: bool) -> str:
    """The line under a revisited lead's new card title.

    `recycled` is `recycled_words(...)`, "" when it is not known; `linked` adds the link to the
    earlier card's thread.
    """
    earlier = _earlier(recycled, linked)
    return ":recycle: Back from nurture: its revisit date came" + (
        f". {earlier}" if earlier else ""
    )


def revisit_thread_start(recycled: str, *, linked: bool) -> Message:
    """The first line of the new card's thread: who recycled it and why, and where its history
    before is (the card's own note goes when the card is next edited; this line stays)."""
    earlier = _earlier(recycled, linked)
    text = "Back to sales: " + REVISIT_REASON + (f". {earlier}" if earlier else "")
    return Message(text=text)


def earlier_thread_line(now: datetime, channel: str) -> Message:
    """The last line of the earlier card's thread: where the lead went."""
    return Message(
        text=f"Back to sales on {slack_day(now)}: {REVISIT_REASON}. "
        f"A fresh card is in <#{channel}>."
    )


def back_to_sales_notice(lead_id: int, lead_name: str, channel: str) -> Message:
    """Marketing's channel hears that a lead it nurtured went back to sales."""
    who = fit(lead_name, 80) or "no name"
    return Message(
        text=f"*Lead #{lead_id}* ({who}) is back with sales: its revisit date came. "
        f"Its card is in <#{channel}>."
    )


def decayed_words(score: float, threshold: float) -> str:
    """Why an unclaimed lead went back to marketing (its move's reason)."""
    return (
        f"score {score:g} fell below the threshold {threshold:g} before anyone claimed it "
        "(interest decayed)"
    )


def decayed_thread_line(score: float, threshold: float) -> Message:
    """The card's thread hears why the lead left the channel's queue."""
    return Message(text=f"Back to marketing: {decayed_words(score, threshold)}")


def decayed_notice(lead_id: int, lead_name: str, score: float, threshold: float) -> Message:
    """Marketing's channel hears of a lead that came back to it unclaimed."""
    who = fit(lead_name, 80) or "no name"
    return Message(
        text=f"*Lead #{lead_id}* ({who}) is back with marketing: its "
        f"{decayed_words(score, threshold)}."
    )
