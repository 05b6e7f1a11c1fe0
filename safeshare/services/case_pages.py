"""Who may read which case, and the read models of the case pages.

Issue 13: "staff raise a concern and see the concerns they raised, nothing else; dsl all case
work; auditor read-only; admin ... no case content". A case an account may not read is
answered exactly as a missing one, and the attempt is recorded on the case's access log.
Every view of a case is recorded (the existing `ViewService` does it after this check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.body_map import BodyRegion
from domain.child import Child
from domain.concern import Concern
from domain.errors import InvalidValue
from domain.user import Role
from safeshare.adapters.case_index import RAISED_BY
from safeshare.adapters.sealing import ERASED
from safeshare.services.accounts import Account
from safeshare.services.actions import ActionRow, ActionService
from safeshare.services.attachments import AttachmentRow, AttachmentService
from safeshare.services.context import Context, one_look_at_the_store
from safeshare.services.dsl_alerts import Acknowledgements
from safeshare.services.read_models import (
    AdviceView,
    ConsentView,
    DecisionView,
    LawfulBasisView,
    ReferralView,
)
from safeshare.services.restrictions import Restrictions
from safeshare.services.views import ViewService

_LISTS = uuid5(NAMESPACE_URL, "https://safeshare.invalid/lists")
WORKLIST_RECORD = uuid5(_LISTS, "worklist")


class CaseNotFound(Exception):
    """No such case, or not one this account may read: the same answer for both."""


def may_read(
    account: Account,
    concern: Concern,
    assigned: bool = False,
    restricted_to: list[str] | None = None,
) -> bool:
    """Staff read only the concerns they raised (or hold a follow-up action on); DSLs read
    every case unless it is restricted to other DSLs; auditors read every case; admins none."""
    raised_it = concern.raised_by_account == str(account.user_id)
    if account.role is Role.AUDITOR:
        return True
    if account.role is Role.DSL:
        return restricted_to is None or str(account.user_id) in restricted_to or raised_it
    if account.role is Role.STAFF:
        return raised_it or (assigned and restricted_to is None)
    return False


def may_do_casework(account: Account) -> bool:
    """Decisions, consent, basis, erasure: the DSL's (deputies are DSLs)."""
    return account.role is Role.DSL


@dataclass(frozen=True)
class BodyMark:
    region: str
    label: str
    side: str
    note: str


@dataclass(frozen=True)
class HistoryLine:
    recorded_at: str
    by: str
    summary: str


@dataclass(frozen=True)
class CasePage:
    concern_id: str
    child_id: str
    child_name: str
    child_dob: str
    category: str
    facts: str
    opinion: str | None
    child_words: str | None
    location: str | None
    others_present: str | None
    observed_at: str
    raised_by: str
    urgent: bool
    immediate_risk: bool
    crime_suspected: bool
    erased: bool
    body_marks: list[BodyMark]
    history: list[HistoryLine]
    consent: ConsentView
    lawful_basis: LawfulBasisView | None
    decisions: list[DecisionView]
    referrals: list[ReferralView]
    family_informed: bool | None
    can_do_casework: bool
    actions: list[ActionRow] = field(default_factory=list)
    alert_awaiting: bool = False
    attachments: list[AttachmentRow] = field(default_factory=list)
    can_attach: bool = False
    restricted_to: list[str] | None = None
    marked_regions: frozenset[str] = field(default_factory=frozenset)
    advice: list[AdviceView] = field(default_factory=list)
    phoned: frozenset[str] = field(default_factory=frozenset)
    """The referrals phoned through before their packet (their first delivery)."""


@dataclass(frozen=True)
class ConcernRow:
    concern_id: str
    child_name: str
    category: str
    item: str
    urgent: bool
    child_id: str | None = None
    """For an item about the child's file, not one concern (a transfer, a retention review)."""


@dataclass(frozen=True)
class ErasurePreview:
    """What erasure will make unrecoverable, shown before the DSL confirms."""

    child_id: str
    child_name: str
    concerns: int


class CasePages:
    def __init__(
        self,
        ctx: Context,
        views: ViewService,
        actions: ActionService,
        attachments: AttachmentService,
    ) -> None:
        self.ctx = ctx
        self.views = views
        self.actions = actions
        self.attachments = attachments
        self.restrictions = Restrictions(ctx)

    def readable(self, concern_id: str, account: Account, action: str) -> Concern:
        """The concern, if this account may read it; otherwise CaseNotFound, and an attempt
        on a real case is recorded."""
        return self._readable(concern_id, account, action)[0]

    def _readable(
        self, concern_id: str, account: Account, action: str
    ) -> tuple[Concern, list[str] | None]:
        """The readable concern and the DSLs it is restricted to (None: not restricted)."""
        try:
            concern = self.ctx.concern(concern_id)
        except InvalidValue:
            raise CaseNotFound from None
        assigned = account.role is Role.STAFF and self.actions.assigned_to(
            account.user_id, concern.id
        )
        restricted_to = self.restrictions.restricted_to(concern.id)
        if not may_read(account, concern, assigned, restricted_to):
            self.views.record_view(concern.id, account.actor, f"refused: {action}")
            raise CaseNotFound
        return concern, restricted_to

    def restrict(
        self, concern_id: str, account: Account, allowed: list[str], via: str = "web"
    ) -> None:
        self.restrictions.restrict(self.for_casework(concern_id, account), account, allowed, via)

    def for_casework(self, concern_id: str, account: Account) -> Concern:
        concern = self.readable(concern_id, account, "casework")
        if not may_do_casework(account):
            self.views.record_view(concern.id, account.actor, "refused: casework")
            raise CaseNotFound
        return concern

    @one_look_at_the_store
    def open_case(self, concern_id: str, account: Account, via: str = "web") -> CasePage:
        """The case page; the store is asked once whether anything else wrote, not at each
        of the page's reads."""
        concern, restricted_to = self._readable(concern_id, account, "case page")
        shown = self.views.show_concern(str(concern.id), f"{account.actor} ({via})")
        c = shown["concern"]
        cid = concern.child_id
        unseal = self.views.unseal
        marks = [
            BodyMark(
                m["region"],
                BodyRegion(m["region"]).label,
                BodyRegion(m["region"]).side,
                unseal(cid, m["note"]) or ERASED,
            )
            for m in concern.body_marks
        ]
        child = c["child"]
        return CasePage(
            concern_id=c["concern_id"],
            child_id=str(cid),
            child_name=child.get("name") or ERASED,
            child_dob=child.get("dob") or ERASED,
            category=c["category_label"],
            facts=c["facts"] or ERASED,
            opinion=c["opinion"],
            child_words=unseal(cid, concern.child_words),
            location=unseal(cid, concern.location),
            others_present=unseal(cid, concern.others_present),
            observed_at=c["observed_at"],
            raised_by=c["raised_by"],
            urgent=c["urgent"],
            immediate_risk=c["immediate_risk"],
            crime_suspected=c["crime_suspected"],
            erased=c["child_data_erased"],
            body_marks=marks,
            history=[
                HistoryLine(e["recorded_at"], e.get("by", "system"), _summary(e))
                for e in shown["events"]
            ],
            consent=c["consent"],
            lawful_basis=c["lawful_basis"],
            decisions=c["decisions"],
            referrals=shown["referrals"],
            family_informed=c["family_informed"],
            can_do_casework=may_do_casework(account),
            actions=self.actions.rows(concern_id=concern.id),
            alert_awaiting=Acknowledgements(self.ctx).awaiting(concern.id),
            attachments=self.attachments.rows(concern.id),
            can_attach=account.role in (Role.STAFF, Role.DSL) and not concern.child_data_erased,
            restricted_to=self.restrictions.names(restricted_to),
            marked_regions=frozenset(m.region for m in marks),
            advice=c["advice"],
            phoned=frozenset(
                str(r.id) for r in self.views.referrals_of(concern) if r.phone_call is not None
            ),
        )

    def worklist(self, account: Account, via: str = "web") -> list[ConcernRow]:
        """The DSL's worklist, urgent first, with the child's name opened at display; the
        list records one view entry naming the concerns it showed."""
        rows: list[ConcernRow] = []
        for item in self.views.worklist():
            if not item["concern_id"]:
                if item.get("child_id"):
                    rows.extend(self._child_item(item))  # a leaver's transfer, a review
                else:
                    # No concern behind it (a certificate about to expire): said as it is.
                    rows.append(ConcernRow("", "", "", str(item["item"]), bool(item["urgent"])))
                continue
            concern = self.ctx.app.find(UUID(str(item["concern_id"])), Concern)
            if concern is not None and not may_read(
                account, concern, restricted_to=self.restrictions.restricted_to(concern.id)
            ):
                continue
            rows.append(
                ConcernRow(
                    str(item["concern_id"]),
                    self._child_name(concern),
                    str(item["category"]),
                    str(item["item"]),
                    bool(item["urgent"]),
                )
            )
        for action in self.actions.rows():
            if action.overdue:
                concern = self.ctx.app.find(UUID(action.concern_id), Concern)
                if concern is not None and not may_read(
                    account, concern, restricted_to=self.restrictions.restricted_to(concern.id)
                ):
                    continue
                rows.append(
                    ConcernRow(
                        action.concern_id,
                        action.child_name,
                        concern.category.value if concern else "other",
                        f"follow-up action overdue (due {action.due}, {action.assignee})",
                        bool(concern and concern.urgent),
                    )
                )
        rows.sort(key=lambda r: not r.urgent)
        shown = ",".join(
            dict.fromkeys(
                r.concern_id or f"child {r.child_id}" for r in rows if r.concern_id or r.child_id
            )
        )
        self.views.record_view(WORKLIST_RECORD, f"{account.actor} ({via})", f"worklist: {shown}")
        return rows

    def _child_item(self, item: dict[str, Any]) -> list[ConcernRow]:
        """A worklist item about a child's whole file (a leaver's transfer, a retention
        review): it links to the child's chronology."""
        if not item.get("child_id"):
            return []
        child = self.ctx.app.find(UUID(str(item["child_id"])), Child)
        name = ERASED
        if child is not None and not child.erased:
            name = self.ctx.sealer.unseal(child.id, child.name) or ERASED
        due = f" (due {item['due']})" if item.get("due") else ""
        return [ConcernRow("", name, "", f"{item['item']}{due}", False, str(item["child_id"]))]

    def raised_by(self, account: Account) -> list[ConcernRow]:
        """The concerns this account raised (staff see nothing else)."""
        rows: list[ConcernRow] = []
        index = self.ctx.app.index  # the case index: this account's concerns, not the log
        for concern_id in index.records_keyed(RAISED_BY, str(account.user_id)):
            concern = self.ctx.app.find(concern_id, Concern)
            if concern is None:
                continue
            rows.append(
                ConcernRow(
                    str(concern.id),
                    self._child_name(concern),
                    concern.category.value,
                    concern.observed_at.date().isoformat(),
                    concern.urgent,
                )
            )
        return rows

    def erasure_preview(self, child_id: str, account: Account) -> ErasurePreview:
        """Only a DSL erases; anyone else, or a child who is not there (or already erased),
        gets the same answer as a missing page. The view is recorded."""
        try:
            child = self.ctx.child(child_id)
        except InvalidValue:
            raise CaseNotFound from None
        if not may_do_casework(account) or child.erased:
            raise CaseNotFound
        self.views.record_view(child.id, f"{account.actor} (web)", "erasure preview")
        count = len(self.ctx.app.index.concerns_of_child(child.id))  # the case index
        return ErasurePreview(
            str(child.id), self.ctx.sealer.unseal(child.id, child.name) or ERASED, count
        )

    def _child_name(self, concern: Concern | None) -> str:
        if concern is None:
            return ERASED
        child = self.ctx.app.find(concern.child_id, Child)
        if child is None or child.erased:
            return ERASED
        return self.ctx.sealer.unseal(child.id, child.name) or ERASED


def _summary(event: dict[str, Any]) -> str:
    if event["type"] == "details-recorded":
        return "The child's own words, where, who was there and the body map recorded"
    return str(event["summary"])
