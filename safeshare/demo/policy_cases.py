"""`safeshare demo`, continued: the policy made whole. A household carried in a MASH packet, a
correction of the facts before sharing, and a request for information answered "no" with the
reasons discussed with the requester. Every name is invented; recorded through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from safeshare.services.school import Safeshare

DSL = "DSL Ms Patel"


@dataclass(frozen=True)
class PolicyDemo:
    household_referral: UUID
    corrected_concern: UUID
    refused_request: UUID


def run_policy_demo(s: Safeshare) -> PolicyDemo:
    now = s.ctx.clock()

    def ago(hours: float) -> str:
        return (now - timedelta(hours=hours)).isoformat()

    def born(years: int) -> str:
        return (now - timedelta(days=365 * years + 40)).date().isoformat()

    kids, c = s.children, s.concerns
    eli = str(kids.register("Eli Demo-Novak", born(8), by="Office", upn="D100000000005"))
    kids.record_person(
        eli,
        "mother",
        "Ola Demo-Novak",
        DSL,
        parental_responsibility=True,
        lives_with_child=True,
    )
    kids.record_person(eli, "parents-partner", "Rob Demo-Hart", DSL, lives_with_child=True)
    kids.record_person(eli, "sibling", "Ida Demo-Novak", DSL, lives_with_child=True, note="age 3")
    kids.record_person(
        eli,
        "health-visitor",
        "Hana Demo-Visitor",
        DSL,
        organisation="Demo Community NHS Trust",
        contact="0100 000 0000",
    )
    concern = c.raise_concern(
        eli,
        "neglect",
        "Eli arrived hungry on Tuesday and said there was no food at home.",
        ago(30),
        "Mr Jones (Year 3)",
        opinion="The household seems under strain since the new partner moved in.",
    )
    c.correct_facts(
        str(concern),
        "Eli arrived hungry on Monday and Tuesday and said there was no food at home.",
        "The class register shows Monday too; Mr Jones confirmed.",
        DSL,
    )
    c.record_consent(str(concern), "sought", DSL, from_whom="parent")
    c.record_consent(str(concern), "given", DSL, from_whom="parent", scope=["mash"])
    c.tell_family_at_outset(
        str(concern),
        True,
        DSL,
        account="Told Eli's mother why we are worried, what we would share and that MASH "
        "would be asked to offer early help.",
    )
    decided = c.decide(
        str(concern),
        True,
        "Repeated hunger; mother agrees early help is needed.",
        DSL,
        purpose="Early help assessment by MASH",
        to=["mash"],
    )

    fay = str(kids.register("Fay Demo-Ahmed", born(10), by="Office"))
    about_fay = c.raise_concern(
        fay,
        "emotional-abuse",
        "Fay said she is scared when her parents argue.",
        ago(72),
        "Mrs Ahmed (Year 5)",
    )
    c.record_consent(str(about_fay), "refused", DSL, from_whom="parent")
    request = s.requests.receive(
        str(about_fay),
        "mash",
        "Every record the school holds about Fay's home life.",
        "A multi-agency audit of emotional-abuse referrals in the area.",
        DSL,
        cites="s16h",
    )
    s.requests.answer(
        str(request),
        False,
        "Not necessary and not proportionate: the audit needs figures, not Fay's identity; "
        "her parent refused consent and there is no risk that would justify sharing without it.",
        DSL,
    )
    s.requests.reply(
        str(request),
        "Phoned the MASH audit lead: explained the reasons; sent anonymised figures instead. "
        "They agreed.",
        DSL,
    )
    return PolicyDemo(decided.referral_ids[0], concern, request)
