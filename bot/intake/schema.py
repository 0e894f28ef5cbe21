"""The intake API's published bodies: the lead and event schemas of one playbook, with examples.

Built once per playbook when the app starts, from the same models `parse_lead` and `parse_event`
validate with, so the documentation cannot drift from what is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.intake.leadinput import CHOICE_QUESTIONS, EventIn, LeadIn
from bot.playbook.model import Playbook
from bot.rules.scoring import event_types


def lead_example(playbook: Playbook) -> dict[str, Any]:
    """A sales-ready lead for this playbook: the example body the API documentation shows."""
    example: dict[str, Any] = {
        "email": "greta.maier@bigcorp.de",
        "name": "Greta Maier",
        "company": "BigCorp",
        "title": "VP Operations",
        "country": "DE",
        "company_size": 1200,
        "source": "webinar",
    }
    fit = playbook.scoring.fit
    for question in CHOICE_QUESTIONS:
        options: Mapping[str, float] = getattr(fit, question)
        if options:
            example[question] = max(options, key=options.__getitem__)
    events = fit.compelling_event
    if events and "yes" not in events:
        example["compelling_event"] = max(events, key=events.__getitem__)
    else:
        example["compelling_event"] = "Contract with the current vendor ends in March"
    return example


def lead_schema(playbook: Playbook) -> dict[str, Any]:
    """The lead's JSON schema for this playbook: its answers as enums, its custom fields named."""
    schema = LeadIn.model_json_schema()
    props = schema["properties"]
    fit = playbook.scoring.fit
    for question in CHOICE_QUESTIONS:
        options = list(getattr(fit, question))
        prop = props[question]
        if options:
            spelled = options[0].replace("_", " ").title()
            prop.pop("default", None)
            prop["enum"] = options
            prop["description"] += f" Case and spaces do not matter: '{spelled}' is {options[0]}."
        else:
            prop["description"] += " Any answer: the playbook gives it no points."
    events = list(fit.compelling_event)
    if events and "yes" not in events:
        props["compelling_event"] = {
            "type": "string",
            "enum": [*events, "no"],
            "description": "Is something forcing a decision? One of the playbook's events, or no.",
        }
    for name in playbook.custom_fields:
        props[name] = {
            "title": name,
            "description": f"The playbook's custom field {name}: stored with the lead, "
            "and routing rules may test it.",
        }
    schema["additionalProperties"] = False
    return schema


def event_example(playbook: Playbook) -> dict[str, Any]:
    """An engagement event for this playbook: the example body the API documentation shows."""
    types = list(playbook.scoring.engagement)
    return {"email": "greta.maier@bigcorp.de", "type": types[-1] if types else "page_view"}


def event_schema(playbook: Playbook) -> dict[str, Any]:
    """The engagement event's JSON schema for this playbook: its event types as an enum."""
    schema = EventIn.model_json_schema()
    types = event_types(playbook.scoring)
    if types:
        schema["properties"]["type"]["enum"] = types
    return schema
