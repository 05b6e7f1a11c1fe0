"""`celery -A workers.app worker`: the Celery app for the school the environment names.

The wiring (which store, which settings) is loaded by name from `SAFESHARE_DISPATCH_WIRING`
(default `safeshare.bootstrap:wiring`), so `workers/` never imports the application itself.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import cast

from celery.signals import worker_process_init

from workers.celery_app import make_celery
from workers.config import Wiring
from workers.schools import SchoolStores


def load_wiring(spec: str | None = None) -> Wiring:
    """Import `module:function` and call it for the `Wiring`."""
    spec = spec or os.environ.get("SAFESHARE_DISPATCH_WIRING", "safeshare.bootstrap:wiring")
    module_name, _, attr = spec.partition(":")
    factory = cast(Callable[[], Wiring], getattr(importlib.import_module(module_name), attr))
    return factory()


wiring = load_wiring()
app = make_celery(wiring)


@worker_process_init.connect(weak=False)  # type: ignore[untyped-decorator]
def open_the_schools_stores(**_: object) -> None:
    """In each pool process, before it takes a task: the active schools' stores (a deployment
    of many schools). Without it each school's first task in a process paid for opening its
    store, 2 to 3 s under `make load`, which an urgent referral cannot afford."""
    if wiring.active_schools is None:
        return
    schools: SchoolStores = app.conf.safeshare_schools
    schools.warm(wiring.active_schools())
