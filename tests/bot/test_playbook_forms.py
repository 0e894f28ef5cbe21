"""The playbook's web forms: the example declares one, and every mistake is named with its line."""

from __future__ import annotations

from bot.playbook.forms import RateLimit
from bot.playbook.loading import parse_playbook
from bot.playbook.model import Playbook
from tests.bot.test_playbook import EXAMPLE, line_of, problems

FORM = """
forms:
  contact-sales:
    source: website_contact
    redirect: https://www.brightlabs.co.uk/thanks
    allowed_origins: [https://www.brightlabs.co.uk]
    fields: {first_name: name, last_name: name, employees: company_size, submit: null}
"""


def with_forms(section: str) -> str:
    """The example playbook with its forms section replaced by `section`."""
    lines = EXAMPLE.splitlines(keepends=True)
    start = lines.index("forms:\n")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\n", "#")),
        len(lines),
    )
    return "".join(lines[:start]) + section.lstrip("\n") + "".join(lines[end:])


def test_example_playbook_declares_a_form(playbook: Playbook) -> None:
    [(key, form)] = playbook.forms.items()
    assert form.source
    assert form.redirect is not None and form.redirect.startswith("https://")
    assert form.allowed_origins
    assert playbook.forms[key].rate_limit == RateLimit(count=10, seconds=60)


def test_form_defaults_are_sane() -> None:
    book = parse_playbook(with_forms("forms:\n  demo:\n    source: webinar\n"))
    form = book.forms["demo"]
    assert (form.redirect, form.allowed_origins, form.honeypot) == (None, [], "website")
    assert form.rate_limit == RateLimit(count=10, seconds=60)


def test_origins_are_normalised_and_rates_read() -> None:
    text = with_forms(
        FORM.replace("[https://www.brightlabs.co.uk]", "[HTTPS://WWW.BrightLabs.co.uk/]")
        + "    rate_limit: 3/hour\n"
    )
    form = parse_playbook(text).forms["contact-sales"]
    assert form.allowed_origins == ["https://www.brightlabs.co.uk"]
    assert form.rate_limit == RateLimit(count=3, seconds=3600)
    assert form.fields["submit"] is None


def test_bad_form_settings_are_each_named_with_their_line() -> None:
    text = with_forms(
        FORM.replace("https://www.brightlabs.co.uk/thanks", "ftp://files.brightlabs.co.uk")
        .replace("[https://www.brightlabs.co.uk]", "[https://www.brightlabs.co.uk/contact]")
        .replace("source: website_contact", "source: web/contact")
        + "    rate_limit: lots\n"
    )
    found = problems(text)
    assert [line for line, _ in found] == [
        line_of(text, "source: web/contact"),
        line_of(text, "redirect: ftp"),
        line_of(text, "allowed_origins"),
        line_of(text, "rate_limit: lots"),
    ]
    messages = " ".join(message for _, message in found)
    assert "'web/contact'" in messages
    assert "'ftp://files.brightlabs.co.uk' is not an http:// or https:// URL" in messages
    assert "scheme and host only" in messages
    assert "'lots' is not a rate" in messages


def test_form_key_that_cannot_be_a_url_part_is_refused() -> None:
    text = with_forms(FORM.replace("contact-sales:", "contact sales!:"))
    [(line, message)] = problems(text)
    assert line == line_of(text, "contact sales!:")
    assert "letters, digits" in message


def test_mapping_to_an_unknown_lead_field_is_refused() -> None:
    text = with_forms(FORM.replace("employees: company_size", "employees: headcount"))
    [(line, message)] = problems(text)
    assert line == line_of(text, "employees: headcount")
    assert "'headcount' is no lead field" in message


def test_fixed_values_must_name_lead_fields() -> None:
    text = with_forms(FORM + "    values: {product: analytics, colour: blue, fast_track: true}\n")
    [(line, message)] = problems(text)
    assert line == line_of(text, "values:")
    assert "'colour' is no lead field" in message


def test_source_cannot_be_mapped_from_the_page() -> None:
    text = with_forms(FORM.replace("submit: null", "lead_source: source"))
    [(_, message)] = problems(text)
    assert "'source' is no lead field" in message


def test_honeypot_named_like_a_real_field_is_refused() -> None:
    text = with_forms(FORM + "    honeypot: first_name\n")
    [(line, message)] = problems(text)
    assert line == line_of(text, "honeypot: first_name")
    assert "people would fill it in" in message


def test_misspelt_form_setting_is_named() -> None:
    text = with_forms(FORM + "    redirect_url: https://www.brightlabs.co.uk/\n")
    [(line, message)] = problems(text)
    assert line == line_of(text, "redirect_url")
    assert "unknown setting 'redirect_url'" in message
