"""Reading what follows a `/lead` move: the lead, then a reason, a date, an amount or an attempt.

Pure functions of the text (and the clock and time zone for dates), so any text can be tried on
them: they return a `MoveRequest` or raise a LeadbotError whose sentence shows the right form.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pycountry
from sqlmodel import Session

from bot.core.errors import LeadbotError, LeadNotFound, MoveIncomplete
from bot.core.moves import MOVES, DateRole, Move
from bot.intake.leadinput import MAX_LEAD_ID
from bot.playbook.model import Playbook
from bot.pursuit.dates import FoundDate, find_date, future_date
from bot.pursuit.moves import OTHER, Amount, Attempt, MoveRequest
from bot.rules.scrub import email_identity
from bot.slack.text import fit
from store.leads import find_lead_by_email_key

LEAD_NUMBER = re.compile(r"(?:#|L-?)?([0-9]{1,19})", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
# "18000", "18,000 EUR", "€18k", "$ 2.5m", "12.500,50 EUR"
AMOUNT = re.compile(
    r"(?P<symbol>[€$£])?\s*(?P<number>\d[\d,.' ]*\d|\d)\s*(?P<scale>[kKmM])?\b"
    r"\s*(?P<code>[A-Za-z]{3})?\b"
)
CODE_BEFORE = re.compile(r"\b([A-Za-z]{3})\s*$")  # a currency code written first: "EUR 18000"
SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
ATTEMPT_CHANNELS = {
    "call": "call", "phone": "call", "email": "e-mail", "e-mail": "e-mail", "mail": "e-mail",
    "linkedin": "LinkedIn", "meeting": "meeting", "sms": "SMS", "text": "SMS",
    "whatsapp": "WhatsApp", "video": "video call", "visit": "visit",
}  # fmt: skip
ATTEMPT_OUTCOMES = (
    "no answer", "voicemail", "connected", "bounced", "replied", "meeting booked", "busy",
    "wrong number", "left message",
)  # fmt: skip


def parse_lead_id(word: str) -> int:
    """42, #42 or L-42 -> 42; a number past any lead's is no lead (not a database error)."""
    match = LEAD_NUMBER.fullmatch(word.strip())
    if match is None:  # '²' passes str.isdigit() but is no number
        raise LeadbotError(
            f"'{fit(word, 40)}' is not a lead; write it like 42, #42, L-42 or an e-mail address."
        )
    number = int(match.group(1))
    if not 1 <= number <= MAX_LEAD_ID:
        raise LeadNotFound(number)
    return number


def resolve_lead(word: str, session: Session) -> int:
    """The lead a word names: its number (42, #42, L-42) or its person's e-mail address."""
    address = word.strip().strip("<>").removeprefix("mailto:").split("|")[0]
    if EMAIL.fullmatch(address):
        lead = find_lead_by_email_key(session=session, email_key=email_identity(address.lower()))
        if lead is None or lead.id is None:
            raise LeadNotFound(email=fit(address, 320))
        return lead.id
    return parse_lead_id(word)


def move_request(
    move: Move,
    lead_id: int,
    rest: str,
    *,
    actor: str,
    playbook: Playbook,
    now: datetime,
    zone: ZoneInfo,
) -> MoveRequest:
    """The move `/lead <move> <lead> <rest>` asks for."""
    spec = MOVES[move]
    rest = " ".join(rest.split())
    when: datetime | None = None
    if spec.date is not None:
        what = {
            DateRole.REVISIT: "the lead come back to sales",
            DateRole.WAKE: "you be reminded",
            DateRole.RESUME: "the deal resume",
        }[spec.date]
        found: FoundDate | None
        if spec.date_required:
            found = future_date(rest, now=now, zone=zone, what=what)
        else:
            found = find_date(rest, now=now, zone=zone)
            if found is not None and found.at <= now:
                future_date(found.phrase, now=now, zone=zone, what=what)  # says why, with examples
        if found is not None:
            when, rest = found.at, found.rest
    if move in (Move.CLAIM, Move.REOPEN) and rest:
        raise MoveIncomplete(
            f"`/lead {move.value}` takes only the lead, like `/lead {move.value} {lead_id}`; "
            f"“{fit(rest, 60)}” is more than that."
        )
    amount = None
    if move is Move.WON:
        amount, rest = read_amount(rest, lead_id)
    attempt = Attempt()
    if move is Move.TOUCH:
        attempt, rest = _attempt(rest)
    reason, text = "", rest
    if spec.reasons is not None:
        reason, text = _reason(rest, playbook.reasons_for(spec.reasons))
    return MoveRequest(
        move=move,
        lead_id=lead_id,
        actor=actor,
        reason=reason,
        text=text,
        when=when,
        amount=amount,
        attempt=attempt,
    )


def _reason(text: str, options: list[str]) -> tuple[str, str]:
    """(the playbook reason the text starts with, the rest) or (OTHER, the text)."""
    if not text:
        return "", ""
    lowered = text.lower()
    for option in sorted(options, key=len, reverse=True):
        if lowered == option.lower() or lowered.startswith(option.lower() + " "):
            return option, text[len(option) :].strip(" ,;:-")
        if lowered.startswith(option.lower() + ","):
            return option, text[len(option) + 1 :].strip(" ,;:-")
    first = lowered.split()[0].strip(",;:")
    starting = [o for o in options if o.lower().split()[0] == first]
    if len(starting) == 1 and len(first) >= 4:
        return starting[0], " ".join(text.split()[1:]).strip(" ,;:-")
    if first == OTHER:
        return OTHER, " ".join(text.split()[1:]).strip(" ,;:-")
    return OTHER, text


def read_amount(text: str, lead_id: int) -> tuple[Amount | None, str]:
    match = AMOUNT.search(text)
    if match is None:
        return None, text
    number = _number(match.group("number"))
    if number is None:
        raise MoveIncomplete(
            f"“{fit(match.group(0), 40)}” is not an amount; write it like "
            f"`/lead won {lead_id} 18000 EUR`."
        )
    scale = {"k": 1_000, "m": 1_000_000}.get((match.group("scale") or "").lower(), 1)
    code = (match.group("code") or "").upper()
    end = match.end()
    if code and pycountry.currencies.get(alpha_3=code) is None:  # "18000 for the renewal"
        code, end = "", match.end("scale") if match.group("scale") else match.end("number")
    currency = code or SYMBOLS.get(match.group("symbol") or "", "")
    start = match.start()
    before = CODE_BEFORE.search(text[:start])
    if not currency and before and pycountry.currencies.get(alpha_3=before[1].upper()):
        currency, start = before[1].upper(), before.start()  # "EUR 18000"
    rest = (text[:start] + " " + text[end:]).strip(" ,;")
    return Amount(value=number * scale, currency=currency), " ".join(rest.split())


def _number(written: str) -> float | None:
    """18000, 18,000, 18.000, 18 000, 18'000, 12.500,50 and 12,500.50 as numbers."""
    digits = written.replace(" ", "").replace("'", "")
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        digits = digits.replace(thousands, "").replace(decimal, ".")
    elif digits.count(",") == 1 and len(digits.split(",")[1]) != 3:
        digits = digits.replace(",", ".")
    elif digits.count(".") == 1 and len(digits.split(".")[1]) != 3:
        pass
    else:
        digits = digits.replace(",", "").replace(".", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    return value if 0 <= value < 1e15 else None


def _attempt(text: str) -> tuple[Attempt, str]:
    words = text.split()
    channel = ""
    if words and words[0].lower().strip(",:") in ATTEMPT_CHANNELS:
        channel = ATTEMPT_CHANNELS[words[0].lower().strip(",:")]
        words = words[1:]
    rest = " ".join(words)
    outcome = ""
    for candidate in sorted(ATTEMPT_OUTCOMES, key=len, reverse=True):
        if rest.lower().startswith(candidate):
            outcome, rest = candidate, rest[len(candidate) :].strip(" ,;:-")
            break
    return Attempt(channel=channel, outcome=outcome), rest
