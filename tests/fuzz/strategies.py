"""Hypothesis strategies for what strangers send leadbot: JSON, form fields, command text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from bot.intake.leadinput import LeadIn

#: The intake API's field names (the example playbook adds `product` and `industry`).
LEAD_FIELDS = (*LeadIn.model_fields, "product", "industry")
EVENT_FIELDS = ("lead_id", "email", "type", "at")
ENGAGEMENT_TYPES = (
    "page_view",
    "pricing_page_view",
    "content_download",
    "webinar_attended",
    "trial_signup",
    "demo_request",
)

#: Text that broke (or nearly broke) parsers somewhere: markup, controls, odd digits and spaces.
NASTY_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202e",
    "\ufeff",
    "\u00a0",
    "\u2028",
    "\ud800",  # a lone surrogate: JSON may escape one ("\ud800"), UTF-8 cannot carry it
    "\udfff\ud800",
    "<!channel>",
    "<@U0REPEMEA1>",
    "<https://evil.example|click>",
    "&amp;&lt;&gt;",
    "*bold* _it_ `code`",
    "²",
    "١٢",
    "１２３",
    "𝟗𝟗",
    "1e309",
    "-1",
    "0",
    "NaN",
    "Infinity",
    "null",
    "true",
    "9" * 40,
    "L-" + "9" * 30,
    "#0",
    "x" * 500,
    "é" * 300,
    "🙂" * 70,
    "2026-11-23T10:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1000-5000",
    "10,001+",
    "over 9000",
    "Deutschland",
    "DE",
    "approved",
    "Decision Maker",
    "this quarter",
    "yes",
    "no",
)

#: What a UTF-8 request can carry (Slack's, a form's): no lone surrogates.
UTF8_TEXT = tuple(t for t in NASTY_TEXT if not any("\ud800" <= c <= "\udfff" for c in t))

#: Unicode as people (and scripts) type it: every plane, controls included, no surrogates.
any_text = st.text(max_size=60)
#: Text with lone surrogates too: only a JSON escape (or UTF-16 bytes) can carry them.
surrogate_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
wild_text = st.one_of(
    st.sampled_from(NASTY_TEXT),
    any_text,
    surrogate_text,
    st.text(st.sampled_from("aZ9 .,-_@+#&<>\t\n"), min_size=1, max_size=80),
    # Just past a column's limit, and past the 64 KB body cap.
    st.sampled_from([41, 51, 61, 201, 321, 501, 5_000, 70_000]).map(lambda n: "a" * n),
)
wild_number = st.one_of(
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, -0.0, 1e-320, 1e308, 2.0**31, 300.0]),
)
json_scalar = st.one_of(st.none(), st.booleans(), wild_number, wild_text)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(wild_text, children, max_size=4)
    ),
    max_leaves=12,
)

#: Addresses that pass the checks (so 2xx answers happen), beside broken and junk ones.
good_email = st.one_of(
    st.sampled_from(
        [
            "greta.maier@bigcorp-industries.de",
            "Tom+x@BrightLabs.co.uk",
            "anna@gmail.com",
            "a.n.n.a@googlemail.com",
            "jürgen@müller-gmbh.de",
            "o'brien@irish-pubs.ie",
        ]
    ),
    st.builds(
        "{}.{}@{}".format,
        st.sampled_from(["greta", "tom", "li", "jose", "amelie", "ngozi", "sven", "priya"]),
        st.sampled_from(["maier", "hughes", "wei", "nunez", "dubois", "okafor", "berg", "rao"]),
        st.sampled_from(["bigcorp-industries.de", "brightlabs.co.uk", "müller-gmbh.de", "x.io"]),
    ),
)
email_value = st.one_of(good_email, good_email, st.emails(), wild_text, json_value)


#: Text a person types into a form: letters of any script, spaces, marks, punctuation.
typed_text = st.text(st.characters(categories=["L", "M", "N", "Zs", "P", "S"]), max_size=60)
person_name = st.one_of(
    st.sampled_from(["Greta Maier", "José Ñúñez", "李小龙", "O'Brien-Smith", "Ǆemal", ""]),
    typed_text,
)

#: Per lead field: values a real form might send, all valid (so leads get through).
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "name": person_name,
    "company": person_name,
    "title": st.one_of(
        st.sampled_from(["VP Operations", "CEO", "Intern", "Head of Data"]), typed_text
    ),
    "phone": st.one_of(st.sampled_from(["+49 89 1234567", "(555) 010-0199", ""]), typed_text),
    "country": st.sampled_from(
        ["DE", "de", "Germany", "Deutschland", "USA", "UK", "", "deu", "Côte d'Ivoire"]
    ),
    "company_size": st.one_of(
        st.integers(1, 10_000_000),
        st.sampled_from(["1,200", "200-500", "10,001+", "1.001-5.000", "just me", "< 10"]),
    ),
    "budget": st.sampled_from(["approved", "Planned", "NONE", " none ", ""]),
    "authority": st.sampled_from(["decision maker", "Decision-Maker", "User", ""]),
    "timeframe": st.sampled_from(["this quarter", "This Half", "later", ""]),
    "compelling_event": st.one_of(
        st.booleans(), st.sampled_from(["yes", "no", "", "Our vendor contract ends"]), typed_text
    ),
    "fast_track": st.one_of(st.booleans(), st.sampled_from(["true", "yes", 1, 0])),
    "source": st.sampled_from(["webinar", "Trade Show", "web_form", ""]),
    "product": st.one_of(typed_text, st.integers(), st.booleans(), st.none()),
    "industry": st.one_of(typed_text, st.lists(typed_text, max_size=3)),
}


#: Answers a form might send that leadbot refuses.
WRONG = ("Narnia", "XX", "huge", "boss", "never", "maybe", "lots", -5, 0, 10**7 + 1, "a/b", "ä")


def field_value(name: str) -> st.SearchStrategy[Any]:
    """A value for one lead field: usually plausible, sometimes wild."""
    if name == "email":
        return email_value
    plausible = PLAUSIBLE.get(name, typed_text)
    return st.one_of(plausible, plausible, st.sampled_from(WRONG), json_value)


#: A lead as a real form might send it: a good address and plausible answers.
plausible_lead = st.fixed_dictionaries(
    {"email": good_email},
    optional={name: PLAUSIBLE.get(name, typed_text) for name in LEAD_FIELDS if name != "email"},
)
#: Any field's value may be anything JSON holds.
wild_lead = st.fixed_dictionaries(
    {"email": email_value},
    optional={name: field_value(name) for name in LEAD_FIELDS if name != "email"},
)
lead_body = st.one_of(
    plausible_lead,
    plausible_lead,
    wild_lead,
    wild_lead.flatmap(
        lambda lead: st.dictionaries(wild_text, json_value, max_size=3).map(
            lambda extra: {**extra, **lead}
        )
    ),
    st.dictionaries(st.sampled_from(LEAD_FIELDS), json_value, max_size=6),
    json_value,
)


def json_bytes(value: Any) -> bytes:
    """JSON as a client might send it: NaN as Python writes it, surrogates as \\u escapes."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def raw_bodies(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bytes no well-behaved client sends: cut JSON, other encodings, invalid UTF-8, deep nests."""
    encoded = valid.map(lambda v: json.dumps(v, ensure_ascii=False))
    return st.one_of(
        st.binary(max_size=200),
        st.tuples(valid.map(json_bytes), st.integers(0, 200)).map(lambda t: t[0][: t[1]]),
        st.tuples(encoded, st.sampled_from(["utf-16", "utf-16-le", "utf-32-be", "latin-1"])).map(
            lambda t: (
                t[0].encode(t[1], "surrogatepass")
                if t[1] != "latin-1"
                else t[0].encode("latin-1", "replace")
            )
        ),
        valid.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"",
                b"{",
                b"[" * 100_000,
                b'{"email":' * 5_000,
                b'{"email": "a@b.de"}garbage',
                b"\xef\xbb\xbf{}",
                b'{"email": "\xed\xa0\x80@x.de"}',
                b"\xff\xfe{\x00}\x00",
                b'{"a":1,"a":2}',
                b'{"company_size": 1' + b"0" * 5_000 + b"}",
                b'{"lead_id": 1e999}',
                b'{"email": NaN}',
            ]
        ),
    )


#: A datetime as JSON carries it: ISO text with odd zones, numbers (epoch seconds), junk.
at_value = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2026-11-23T09:00:00Z",
            "2026-11-23T10:04:59+00:00",
            "2026-11-23",
            "2000-01-01T00:00:00+23:59",
            "1999-12-31T23:59:59-23:59",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2026-02-30T00:00:00Z",
            "yesterday",
        ]
    ),
    wild_number,
    json_value,
)


def event_bodies(lead_ids: list[int], emails: list[str]) -> st.SearchStrategy[Any]:
    """Engagement events: many for one of these leads (so they are recorded), many wild."""
    recent = st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 23), timezones=st.timezones()
    ).map(lambda at: at.isoformat())
    plausible = st.fixed_dictionaries(
        {
            "type": st.one_of(st.sampled_from(ENGAGEMENT_TYPES), st.just("Page View")),
        },
        optional={"at": recent},
    ).flatmap(
        lambda event: st.one_of(
            st.sampled_from(lead_ids).map(lambda lead_id: {**event, "lead_id": lead_id}),
            st.sampled_from(emails).map(lambda email: {**event, "email": email}),
        )
    )
    wild = st.fixed_dictionaries(
        {},
        optional={
            "lead_id": st.one_of(st.sampled_from(lead_ids), wild_number, wild_text, json_value),
            "email": st.one_of(st.sampled_from(emails), email_value),
            "type": st.one_of(st.sampled_from(ENGAGEMENT_TYPES), wild_text, json_value),
            "at": st.one_of(recent, at_value),
        },
    )
    return st.one_of(
        plausible,
        wild,
        wild.flatmap(
            lambda known: st.dictionaries(wild_text, json_value, max_size=2).map(
                lambda extra: {**extra, **known}
            )
        ),
        json_value,
    )


#: Words of a `/lead` command: subcommands (any case), lead numbers in every spelling, junk.
SUBCOMMANDS = ("help", "new", "mine", "show", "claim", "SHOW", "Claim", "report", "")


def lead_words(lead_ids: list[int]) -> st.SearchStrategy[str]:
    """A lead named as people write it (42, #42, L-42, l42) or almost."""
    prefix = st.sampled_from(["", "#", "L-", "l-", "L", "#L", "LL-", "-", "+", "０"])
    number = st.one_of(st.sampled_from(lead_ids), st.integers(-5, 2**70))
    return st.one_of(
        st.tuples(prefix, st.sampled_from(lead_ids)).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(prefix, number).map(lambda t: f"{t[0]}{t[1]}"),
        st.sampled_from(UTF8_TEXT),
        any_text,
    )


def command_texts(lead_ids: list[int]) -> st.SearchStrategy[str]:
    """The text after `/lead`, as a person (or a paste) writes it."""
    spacing = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u3000", ""])
    rest = st.lists(st.one_of(st.sampled_from(UTF8_TEXT), any_text), max_size=3).map(" ".join)
    word = st.one_of(st.sampled_from(SUBCOMMANDS), st.sampled_from(UTF8_TEXT), any_text)
    return st.one_of(
        st.tuples(st.sampled_from(SUBCOMMANDS), spacing, lead_words(lead_ids), rest).map(
            lambda t: f"{t[0]}{t[1]}{t[2]} {t[3]}"
        ),
        st.tuples(word, spacing, lead_words(lead_ids), rest).map(
            lambda t: f"{t[0]}{t[1]}{t[2]} {t[3]}"
        ),
        any_text,
        st.sampled_from(UTF8_TEXT),
    )


#: Inputs a lead form's page may have: the example playbook's form maps some of them.
FORM_INPUTS = (
    "first_name",
    "last_name",
    "employees",
    "email",
    "company",
    "title",
    "country",
    "phone",
    "budget",
    "authority",
    "timeframe",
    "compelling_event",
    "industry",
    "product",
    "source",
    "fast_track",
    "website",  # the honeypot
    "utm_campaign",
)
form_value = st.one_of(
    st.sampled_from(UTF8_TEXT), typed_text, any_text, st.sampled_from(WRONG).map(str)
)
form_pairs = st.one_of(
    # A person filling in the form: a good address, plausible answers, the honeypot empty.
    st.fixed_dictionaries(
        {"email": good_email, "website": st.just("")},
        optional={
            "first_name": person_name,
            "last_name": person_name,
            "employees": st.sampled_from(["300", "1,200", "200-500", ""]),
            "country": PLAUSIBLE["country"],
            "budget": PLAUSIBLE["budget"],
            "industry": typed_text,
        },
    ).map(lambda fields: list(fields.items())),
    # Whatever a script posts: any inputs, repeated, in any order.
    st.lists(st.tuples(st.one_of(st.sampled_from(FORM_INPUTS), any_text), form_value), max_size=12),
)


def _percent(pairs: list[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode()


#: Bodies that say they are urlencoded but are not quite: broken escapes, invalid UTF-8.
raw_form_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"email",
            b"email=%",
            b"email=%zz&&&==",
            b"email=%ff%fe%00",
            b"email=%ed%a0%80%40x.de",
            b"email=greta%40bigcorp-industries.de&name=%C3",
            b"=&=&=",
            b"email=a@b.de&" * 200,
            b"\xff\xfe=\xff",
        ]
    ),
    st.tuples(form_pairs.map(_percent), st.integers(0, 300)).map(lambda t: t[0][: t[1]]),
)
