"""`celery -A workers.app worker`: the Celery app for the school the environment names.

The wiring (which store, which settings) is loaded by name from `SAFESHARE_DISPATCH_WIRING`
(default `safeshare.bootstrap:wiring`), so `workers/` never imports the application itself.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import cast

from workers.celery_app import make_celery
from workers.config import Wiring


def load_wiring(spec: str | None = None) -> Wiring:
    """Import `module:function` and call it for the `Wiring`."""
    spec = spec or os.environ.get("SAFESHARE_DISPATCH_WIRING", "safeshare.bootstrap:wiring")
    module_name, _, attr = spec.partition(":")
    factory = cast(Callable[[], Wiring], getattr(importlib.import_module(module_name), attr))
    return factory()


app = make_celery(load_wiring())
