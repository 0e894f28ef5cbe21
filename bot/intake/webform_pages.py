"""The small HTML pages a person sees after posting a web form: thanks, or what to fix."""

from __future__ import annotations

from html import escape

from bot.core.errors import FieldError

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""

#: Lead fields in the words a form's label would use.
LABELS = {"email": "E-mail", "company_size": "Company size", "body": "The form"}


def _page(title: str, body: str) -> str:
    return PAGE.format(title=escape(title), body=body)


def field_label(field: str) -> str:
    """'company_size' -> 'Company size'; the e-mail is 'E-mail'."""
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def thank_you_page(company: str) -> str:
    """Shown after a post when the form sets no redirect URL."""
    return _page(
        "Thank you",
        f"<p>We have your details; someone from {escape(company)} will be in touch soon.</p>",
    )


def error_page(
    errors: list[FieldError], back: str | None, title: str = "Please check your details"
) -> str:
    """Every field at fault in plain words, and a way back to the form with its answers kept."""
    items = "\n".join(
        f"<li><strong>{escape(field_label(e.field))}</strong>: {escape(e.message)}</li>"
        for e in errors
    )
    # history.back() returns to the filled-in form; without JavaScript the link reloads the page.
    href = escape(back, quote=True) if back else "javascript:history.back()"
    link = f'<a href="{href}" onclick="history.back(); return false;">Go back to the form</a>'
    return _page(title, f'<ul role="alert">\n{items}\n</ul>\n<p>{link}</p>')
