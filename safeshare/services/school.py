"""One school's running safeshare: the services over one application, as the composition root
(`safeshare/bootstrap.py`) assembled them. Everything below the entry points takes this object
(or one of its services); nothing below them builds one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from projections.db import ProjectionDb
from projections.runner import Runner
from projections.staff_names import StaffNames
from safeshare.adapters.case_records import CaseRecords
from safeshare.adapters.event_source import AppEventSource
from safeshare.adapters.keystore import KeyStore
from safeshare.services.accounts import AccountService
from safeshare.services.agencies import AgencyService
from safeshare.services.children import ChildService
from safeshare.services.concerns import ConcernService
from safeshare.services.context import Context
from safeshare.services.packets import PacketService
from safeshare.services.requests import RequestService
from safeshare.services.retention import RetentionService
from safeshare.services.transfers import TransferService
from safeshare.services.views import ViewService
from safeshare.settings import Settings

if TYPE_CHECKING:
    from safeshare.services.audit import AuditService


@dataclass
class Safeshare:
    """One school: its settings, application, key store, services, and the projections'
    database (opened on first use, through the opener the composition root handed in)."""

    settings: Settings
    app: CaseRecords
    keystore: KeyStore
    ctx: Context
    children: ChildService
    concerns: ConcernService
    agencies: AgencyService
    views: ViewService
    packets: PacketService
    accounts: AccountService
    requests: RequestService
    retention: RetentionService
    transfers: TransferService
    open_projection_db: Callable[[], ProjectionDb]
    runners: dict[str, Runner] = field(default_factory=dict)
    audit: AuditService | None = None
    staff_names: StaffNames | None = None
    """How the projection store seals staff names (set on first use)."""
    _projection_db: ProjectionDb | None = None
    _opening: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _event_source: AppEventSource | None = None

    def event_source(self) -> AppEventSource:
        """The school's notification log, as the projection runners read it (one per school)."""
        if self._event_source is None:
            self._event_source = AppEventSource(self.app)
        return self._event_source

    def projection_db(self) -> ProjectionDb:
        """One shared connection to the projections' database, opened on first use (once,
        whichever of the web's threads asks first; the connection serialises its
        transactions with a lock of its own)."""
        with self._opening:
            if self._projection_db is None:
                self._projection_db = self.open_projection_db()
            return self._projection_db

    def close(self) -> None:
        if self._projection_db is not None:
            self._projection_db.close()
            self._projection_db = None
        self.runners.clear()
        self.audit = None
        self.app.close()
        self.keystore.close()
