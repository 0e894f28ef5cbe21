"""CPU profile of every thread of the server's process, for `bench/intake.py --profile`.

py-spy is not always at hand and cProfile sees one thread only, so this uses yappi
(`pip install yappi`), which profiles all threads by CPU time. Profiling slows everything down
several times over: read the shares, not the absolute times, and never the figures of a
profiled run.
"""

from __future__ import annotations

import io
import threading
from collections import defaultdict
from typing import Any

# Frames whose cumulative CPU time tells where an intake request goes; matched on "module:func".
MILESTONES = (
    ("uvicorn: parse HTTP, ASGI", "httptools_impl.py:run_asgi"),
    ("FastAPI: validate body, serialise answer", "fastapi/routing.py:serialize_response"),
    ("post_lead (the route, on the event loop)", "bot/runtime/http.py:post_lead"),
    ("  capture_lead", "bot/intake/capture.py:capture_lead"),
    ("    clean_email (email_validator)", "bot/rules/scrub.py:clean_email"),
    ("    junk_reason", "bot/rules/scrub.py:junk_reason"),
    ("    find_lead_by_email_key", "store/leads.py:find_lead_by_email_key"),
    ("    add_lead (INSERT + flush)", "store/leads.py:add_lead"),
    ("    _rescore_and_advance", "bot/intake/capture.py:_rescore_and_advance"),
    ("      current_score (SELECT engagements)", "bot/intake/capture.py:current_score"),
    ("      hand_to_sales", "bot/pursuit/lifecycle.py:hand_to_sales"),
    ("        lead_card (Block Kit)", "bot/slack/cards.py:lead_card"),
    ("        queue_card (INSERT outbox + flush)", "bot/slack/outbox.py:queue_card"),
    ("      move_stage", "bot/pursuit/lifecycle.py:move_stage"),
    ("      refresh_card", "bot/pursuit/lifecycle.py:refresh_card"),
    ("  session commit (flush + COMMIT)", "sqlalchemy/orm/session.py:commit"),
    ("  session close", "sqlalchemy/orm/session.py:close"),
    ("  LeadOut(...) after commit", "bot/runtime/http.py:<lambda>"),
    ("healthz", "bot/runtime/http.py:healthz"),
    ("outbox worker round", "jobs/worker.py:_round"),
    ("  deliver_outbox", "jobs/outbox.py:deliver_outbox"),
    ("    claim_due_messages", "store/outbox.py:claim_due_messages"),
    ("    chat_postMessage (slack_sdk, urllib)", "slack_sdk/web/client.py:chat_postMessage"),
    ("    mark_sent + record_card_location", "jobs/outbox.py:_deliver"),
    ("  next_due_in", "jobs/outbox.py:next_due_in"),
    ("SQLAlchemy: compile statements", "sqlalchemy/sql/compiler.py:__init__"),
    ("SQLAlchemy: ORM flush", "sqlalchemy/orm/session.py:flush"),
    ("DB driver: cursor.execute", "sqlalchemy/engine/default.py:do_execute"),
    ("DB driver: executemany", "sqlalchemy/engine/default.py:do_executemany"),
    ("pool checkout (incl. pre-ping, connect)", "sqlalchemy/pool/base.py:_checkout"),
)


class ThreadProfiler:
    """Start/stop yappi around the measured phase; `report()` renders the findings."""

    def __init__(self) -> None:
        import yappi  # noqa: F401  (fail early with the install hint)

    def start(self) -> None:
        import yappi

        yappi.clear_stats()
        yappi.set_clock_type("cpu")
        yappi.start(builtins=True, profile_threads=True)

    def stop(self) -> None:
        import yappi

        yappi.stop()

    def report(self, top: int = 25) -> str:
        import yappi

        out = io.StringIO()
        # yappi's tid is the thread's ident on some versions, its native id on others.
        names = {t.ident: t.name for t in threading.enumerate()}
        names.update({t.native_id: t.name for t in threading.enumerate()})
        threads: dict[str, float] = defaultdict(float)
        for t in yappi.get_thread_stats():
            threads[_thread_kind(names.get(t.tid, t.name))] += t.ttot
        total = sum(threads.values()) or 1.0
        out.write("CPU by thread (share of the process's profiled CPU time):\n")
        for name, cpu in sorted(threads.items(), key=lambda kv: -kv[1]):
            out.write(f"  {cpu / total:6.1%}  {name}\n")
        stats = yappi.get_func_stats()
        by_key: dict[str, Any] = {}
        for s in stats:
            key = f"{s.module}:{s.name}"
            by_key.setdefault(key, []).append(s)
        out.write("\nCumulative CPU of milestones (share of the process's CPU; calls):\n")
        for label, suffix in MILESTONES:
            hits = [s for key, group in by_key.items() if key.endswith(suffix) for s in group]
            if not hits:
                continue
            ttot = sum(s.ttot for s in hits)
            calls = sum(s.ncall for s in hits)
            out.write(f"  {ttot / total:6.1%}  {calls:7d}  {label}\n")
        out.write(f"\nTop {top} functions by own CPU (share; calls; function):\n")
        for s in sorted(stats, key=lambda s: -s.tsub)[:top]:
            where = s.module.split("site-packages/")[-1].split("/main/")[-1]
            out.write(f"  {s.tsub / total:6.1%}  {s.ncall:8d}  {s.name}  ({where}:{s.lineno})\n")
        return out.getvalue()


def _thread_kind(name: str) -> str:
    if name.startswith(("AnyIO worker thread", "WorkerThread")):
        return "AnyIO thread pool (the def routes: healthz, /api/events; Bolt)"
    if name == "leadbot-outbox":
        return "outbox worker (leadbot-outbox)"
    if name.startswith("Thread-") or name == "Thread":
        return f"{name} (uvicorn's event loop: serving_in_thread)"
    return name
