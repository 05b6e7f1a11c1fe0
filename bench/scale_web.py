"""The web case page for `bench_scale`: served in process from the school's ASGI app.

A DSL signed in through the pages (password, then TOTP, as `bench_web_page` does) opens the
page of a typical case: of the concerns of children spread over the roll, the one with the
median number of events (not the biggest). The app is driven by starlette's `TestClient` in
this process, so the figure is the page's own work in milliseconds, comparable with the other
operations, without a server or a network between.
"""

from __future__ import annotations

import threading
from uuid import uuid4

from starlette.testclient import TestClient

from bench.bench_web_page import COOKIE, dsl_account, sign_in_with
from safeshare.adapters.case_index import CHILDREN
from safeshare.entrypoints.web.app import create_app
from safeshare.services.school import Safeshare

SAMPLE = 100
"""How many children, spread over the roll, lend their concerns to find a typical one."""


def typical_concern(s: Safeshare) -> tuple[str, int, int]:
    """A concern of median size (its own events) among those of children spread evenly over
    the roll, from the first registered to the last (not the biggest case, nor only what is
    open now); its id, its events, and how many concerns were weighed."""
    index = s.ctx.app.index
    roll = index.records_keyed(CHILDREN)
    children = roll[:: max(1, len(roll) // SAMPLE)]
    concerns = [c for child in children for c in index.concerns_of_child(child)]
    if not concerns:
        raise RuntimeError("no child on the roll has a concern")
    sized = sorted((s.ctx.concern(c).version, str(c)) for c in concerns)
    events, cid = sized[len(sized) // 2]
    return cid, events, len(sized)


class CasePage:
    """The case page of a typical case, as a signed-in DSL gets it (each view recorded)."""

    def __init__(self, s: Safeshare) -> None:
        self.client = TestClient(
            create_app(s), base_url="http://testserver", follow_redirects=False
        )
        self.client.__enter__()  # one event loop for every request, as a server has
        # Opening the school starts the roll search index's build in the background, once a
        # process (`ChildSearch.warm_up`). Its cost grows with the roll (`roll-first-search`
        # times it), and the generated history never takes a leaver off the roll (2,807
        # children at 100,000 events, 27,853 at 1,000,000): timed alongside it, the page
        # measured that one-off build, 5 ms at 100,000 vs 32 ms at 1,000,000 on 2026-12-07.
        # The page is timed as a server serves it once the school is open.
        for thread in threading.enumerate():
            if thread.name == "roll-search-warm-up":
                thread.join()
        email = f"dsl-{uuid4().hex[:12]}@school.test"  # the store is kept between runs
        sid = sign_in_with(self.client, dsl_account(s, email), email)
        self.headers = {"Cookie": f"{COOKIE}={sid}"}
        concern, self.events, self.weighed = typical_concern(s)
        self.path = f"/concerns/{concern}"
        self.size = len(self.get())

    def get(self) -> str:
        r = self.client.get(self.path, headers=self.headers)
        if r.status_code != 200:
            raise RuntimeError(f"case page: {r.status_code} {r.text[:300]}")
        return str(r.text)

    def close(self) -> None:
        self.client.__exit__(None, None, None)
