"""What an erased lead looks like (`leadbot forget`): shared by the erasure, its card and export.

An erased lead keeps its row, its stage and its history's kinds and times (past reports count it
as before), but its address is a placeholder unique to the lead under `.invalid` (RFC 2606: no
such domain exists, so no mail goes there, and intake refuses it as an address). Its e-mail key
is the same placeholder: the person's own key is gone, so if they come back later they are a new
lead.
"""

from __future__ import annotations

from store.models import Lead

ERASED_DOMAIN = "erased.invalid"
ERASED_WORDS = "erased on request"


def erased_address(lead_id: int) -> str:
    """The placeholder that replaces an erased lead's address and e-mail key."""
    return f"erased-{lead_id}@{ERASED_DOMAIN}"


def is_erased(lead: Lead) -> bool:
    """Whether `leadbot forget` erased this lead."""
    return lead.id is not None and lead.email_key == erased_address(lead.id)
