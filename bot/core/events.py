"""The kinds of a lead's history events (stored as their values, stable for reports)."""

# Defined in the store, whose tables are typed with it and which never imports bot/.
from store.kinds import EventKind as EventKind
from store.kinds import OfferAnswer as OfferAnswer
