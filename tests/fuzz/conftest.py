"""Hypothesis for the fuzz tests: few examples, the same ones every run, so CI stays fast.

LEADBOT_FUZZ_EXAMPLES raises the count for a deep local hunt, e.g.
`LEADBOT_FUZZ_EXAMPLES=1000 pytest tests/fuzz`; LEADBOT_FUZZ_RANDOM=1 draws new examples each
run (without it every run draws the same ones, so a CI failure reproduces on any machine).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The fuzz tests talk to a running leadbot like the handler tests do.
from tests.handlers.conftest import fake_slack, harness  # noqa: F401

#: Enough to reach every branch of the parsers; the deep run is for hunting, not for CI.
CI_EXAMPLES = 40

settings.register_profile(
    "leadbot-fuzz",
    max_examples=int(os.environ.get("LEADBOT_FUZZ_EXAMPLES", CI_EXAMPLES)),
    deadline=None,  # a request's time varies with the machine and the database, not the input
    derandomize=not os.environ.get("LEADBOT_FUZZ_RANDOM"),
    database=None,  # nothing written into the working directory; derandomised runs need none
    print_blob=True,
    # Each test starts one leadbot (a server) and runs @given on an inner function against it:
    # every example compares the database before and after itself, so earlier ones do not matter.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("leadbot-fuzz")
