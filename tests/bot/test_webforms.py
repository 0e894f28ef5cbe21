"""Web-to-lead without HTTP: what a posted form becomes as lead data."""

from __future__ import annotations

from bot.intake.webforms import form_lead
from bot.playbook.forms import WebForm
from bot.playbook.model import Playbook

FORM = WebForm(
    source="website_contact",
    fields={"first_name": "name", "last_name": "name", "employees": "company_size", "go": None},
    values={"product": "analytics"},
)


def test_inputs_are_renamed_joined_and_given_the_forms_source(playbook: Playbook) -> None:
    posted = [
        ("last_name", "Müller"),
        ("first_name", "José"),
        ("email", "jose@brightlabs.co.uk"),
        ("employees", "200-500"),
        ("industry", "Retail"),
        ("industry", "Logistics"),
        ("go", "Send"),
        ("website", ""),
    ]
    data, ignored = form_lead(FORM, playbook, posted)
    assert data == {
        "name": "José Müller",
        "email": "jose@brightlabs.co.uk",
        "company_size": "200-500",
        "industry": "Retail, Logistics",
        "product": "analytics",
        "source": "website_contact",
    }
    assert ignored == []


def test_the_page_cannot_set_source_or_fast_track(playbook: Playbook) -> None:
    posted = [("email", "a@brightlabs.co.uk"), ("source", "vip"), ("fast_track", "true")]
    data, ignored = form_lead(FORM, playbook, posted)
    assert data["source"] == "website_contact"
    assert "fast_track" not in data
    assert ignored == ["source", "fast_track"]


def test_unknown_inputs_are_ignored_and_named(playbook: Playbook) -> None:
    data, ignored = form_lead(FORM, playbook, [("email", "a@b.de"), ("utm_medium", "cpc")])
    assert "utm_medium" not in data
    assert ignored == ["utm_medium"]


def test_fixed_values_beat_the_page(playbook: Playbook) -> None:
    data, _ = form_lead(FORM, playbook, [("email", "a@b.de"), ("product", "other")])
    assert data["product"] == "analytics"
