"""A subject access request (UK GDPR Art. 15): a child, or a parent for them, asks for the
child's data. The DSL exports one child's record (concerns, chronology, what was shared with
whom) as readable HTML or PDF, third parties' details redacted, withholding what an exemption
covers; the DSL's decisions and the export itself are recorded in the audit trail (codes and
ids only: no personal data in the entry)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.codes import label
from domain.concern import Concern
from domain.errors import InvalidValue
from safeshare.adapters.sealing import ERASED
from safeshare.services.accounts import Account
from safeshare.services.case_pages import CaseNotFound, may_do_casework
from safeshare.services.chronology import child_chronology
from safeshare.services.school import Safeshare

REDACTED = "[redacted: third party]"
REQUESTERS = {"child": "The child", "parent": "A parent or carer, for the child"}
FORMATS = {"pdf": "PDF (to print or send)", "html": "HTML (a web page)"}
EXEMPTIONS: dict[str, str] = {
    "disclose": "Disclose (third parties redacted)",
    "serious-harm": (
        "Withhold: disclosure would be likely to cause serious harm to the physical or mental "
        "health of any individual (DPA 2018 Sch. 3 Part 2 para 5)"
    ),
    "crime": (
        "Withhold: disclosure would be likely to prejudice the prevention or detection of "
        "crime (DPA 2018 Sch. 2 para 2)"
    ),
    "child-abuse-data": (
        "Withhold from the parent: child abuse data whose disclosure is not in the child's "
        "best interests (DPA 2018 Sch. 3 Part 5 para 21)"
    ),
}


@dataclass(frozen=True)
class ConcernChoice:
    concern_id: str
    raised_on: str
    category: str


@dataclass(frozen=True)
class SharedWith:
    agency: str
    status: str
    fields: list[str]
    content_sha256: str | None


@dataclass(frozen=True)
class DisclosedConcern:
    concern_id: str
    raised_on: str
    category: str
    facts: str
    opinion: str | None
    child_words: str | None
    decisions: list[str]
    shared: list[SharedWith]


@dataclass(frozen=True)
class SubjectAccessExport:
    child_name: str
    child_dob: str
    requester: str
    generated_at: str
    concerns: list[DisclosedConcern]
    withheld: list[tuple[str, str]]
    chronology: list[tuple[str, str]]
    people: list[str] = field(default_factory=list)
    """The people around the child, by relationship only (their names are redacted)."""


class SubjectAccess:
    def __init__(self, school: Safeshare) -> None:
        self.s = school

    def _child(self, child_id: str, account: Account) -> UUID:
        if not may_do_casework(account):
            raise CaseNotFound
        try:
            child = self.s.ctx.child(child_id)
        except InvalidValue:
            raise CaseNotFound from None
        if child.erased:
            raise CaseNotFound
        return child.id

    def choices(self, child_id: str, account: Account) -> list[ConcernChoice]:
        """The child's concerns, for the DSL to decide on each (the look is recorded)."""
        cid = self._child(child_id, account)
        self.s.views.record_view(cid, f"{account.actor} (web)", "subject access preview")
        found = [self.s.ctx.concern(c) for c in self.s.children.concern_ids(cid)]
        return [
            ConcernChoice(str(c.id), _day(c.observed_at.date()), label(c.category)) for c in found
        ]

    def export(
        self,
        child_id: str,
        requester: str,
        decisions: dict[str, str],
        redact_words: list[str],
        account: Account,
        form: str = "html",
    ) -> SubjectAccessExport:
        """The readable record; each concern disclosed or withheld as the DSL decided. The
        export is recorded with its form (html or pdf)."""
        cid = self._child(child_id, account)
        if requester not in REQUESTERS:
            raise InvalidValue("requester", "choose who made the request")
        if form not in FORMATS:
            raise InvalidValue("format", "choose PDF or HTML")
        concerns = [self.s.ctx.concern(c) for c in self.s.children.concern_ids(cid)]
        for c in concerns:
            code = decisions.get(str(c.id), "")
            if code not in EXEMPTIONS:
                raise InvalidValue(f"decision-{c.id}", "choose whether to disclose or withhold")
            if code == "child-abuse-data" and requester != "parent":
                raise InvalidValue(
                    f"decision-{c.id}",
                    "the child abuse data exemption applies to a parent's request",
                )
        people = self.s.children.people(str(cid))
        redact = Redactor([p.name for p in people if not p.professional] + redact_words)
        child = self.s.views.child_view(self.s.ctx.child(cid))
        disclosed: list[DisclosedConcern] = []
        withheld: list[tuple[str, str]] = []
        for c in concerns:
            code = decisions[str(c.id)]
            if code != "disclose":
                withheld.append((str(c.id)[:8], EXEMPTIONS[code]))
                continue
            disclosed.append(self._disclosed(c, redact))
        withheld_ids = {str(c.id) for c in concerns if decisions[str(c.id)] != "disclose"}
        chronology = child_chronology(self.s, str(cid), f"{account.actor} (web)")
        lines = [
            (e.occurred_at, redact(e.entry))
            for e in chronology.entries
            if e.concern_id not in withheld_ids
        ]
        summary = " ".join(f"{c.id.hex[:8]}={decisions[str(c.id)]}" for c in concerns)
        self.s.views.record_view(
            cid,
            f"{account.actor} (web)",
            f"subject access export: format={form} requester={requester} {summary}".strip(),
        )
        return SubjectAccessExport(
            child_name=str(child.get("name") or ERASED),
            child_dob=str(child.get("dob") or ERASED),
            requester=REQUESTERS[requester],
            generated_at=self.s.ctx.clock().isoformat(),
            concerns=disclosed,
            withheld=withheld,
            chronology=lines,
            people=[p.relationship_label for p in people if not p.professional],
        )

    def _disclosed(self, c: Concern, redact: Redactor) -> DisclosedConcern:
        view = self.s.views.concern_view(c)
        unseal = self.s.views.unseal
        shared: list[SharedWith] = []
        for r in self.s.views.referrals_of(c):
            shared.append(SharedWith(r.agency_id, r.status.value, list(r.fields), r.content_sha256))
        return DisclosedConcern(
            concern_id=str(c.id)[:8],
            raised_on=_day(c.observed_at.date()),
            category=str(view["category_label"]),
            facts=redact(str(view["facts"] or ERASED)),
            opinion=redact(view["opinion"]) if view["opinion"] else None,
            child_words=redact(unseal(c.child_id, c.child_words) or "") or None,
            decisions=[
                ("Shared" if d["share"] else "Not shared") + f": {redact(str(d['reasons']))}"
                for d in view["decisions"]
            ],
            shared=shared,
        )


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


class Redactor:
    """Replaces each third party's name (and each word the DSL adds) wherever it appears."""

    def __init__(self, names: list[str]) -> None:
        terms = sorted(
            {t.strip() for t in names if t and len(t.strip()) >= 2}, key=len, reverse=True
        )
        self.pattern = (
            re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None
        )

    def __call__(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(REDACTED, text)
