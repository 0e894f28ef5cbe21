"""The pages a person sees after posting a web form."""

from __future__ import annotations

from bot.core.errors import FieldError
from bot.intake.webform_pages import error_page, thank_you_page


def test_error_page_lists_fields_in_plain_words_and_escapes_them() -> None:
    page = error_page(
        [FieldError("email", "<b>x</b> is not a valid e-mail address"), FieldError("name", "?")],
        back="https://www.brightlabs.co.uk/contact?a=1&b=2",
    )
    assert '<html lang="en">' in page
    assert "<li><strong>E-mail</strong>: &lt;b&gt;x&lt;/b&gt; is not a valid" in page
    assert "<li><strong>Name</strong>: ?</li>" in page
    assert 'href="https://www.brightlabs.co.uk/contact?a=1&amp;b=2"' in page
    assert "history.back()" in page


def test_thank_you_page_names_the_company_escaped() -> None:
    page = thank_you_page("Smith & Sons")
    assert "<title>Thank you</title>" in page
    assert "Smith &amp; Sons" in page
