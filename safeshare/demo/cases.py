"""`safeshare demo`: a realistic term's worth of concerns, recorded through the real services.

Every name here is invented. Returns the concern whose history the demo prints.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from safeshare.services.school import Safeshare


def run_demo(s: Safeshare) -> UUID:
    now = s.ctx.clock()

    def ago(hours: float) -> str:
        return (now - timedelta(hours=hours)).isoformat()

    kids = s.children
    amira = kids.register(
        "Amira Demo-Khan", "2014-06-02", by="Office", upn="D100000000001", address="1 Example Row"
    )
    ben = kids.register("Ben Demo-Walsh", "2012-01-19", by="Office", upn="D100000000002")
    cara = kids.register("Cara Demo-Osei", "2016-09-30", by="Office")
    dev = kids.register("Dev Demo-Patel", "2011-03-14", by="Office", nhs_number="9990001112")

    c = s.concerns
    # 1. Neglect, consent given by a parent: share on consent with MASH.
    c1 = c.raise_concern(
        str(amira),
        "neglect",
        "Arrived without a coat on three cold days; said there was no breakfast at home.",
        ago(50),
        "Mr Jones (Year 5)",
        opinion="Home seems chaotic since the new baby.",
    )
    c.seek_advice(
        str(c1),
        "Local authority education safeguarding adviser",
        "Is a referral proportionate for early signs of neglect?",
        "DSL Ms Patel",
        answer="Yes: refer to MASH for early help.",
    )
    c.record_consent(str(c1), "sought", "DSL Ms Patel", from_whom="parent")
    c.record_consent(str(c1), "given", "DSL Ms Patel", from_whom="parent", scope=["mash"])
    c.decide(
        str(c1),
        True,
        "Pattern of neglect indicators; parent agrees early help is needed.",
        "DSL Ms Patel",
        purpose="Early help assessment by MASH",
        to=["mash"],
    )
    c.inform(str(c1), True, "DSL Ms Patel")

    # 2. Disclosure of physical abuse, immediate risk: consent not sought (delay); police + MASH.
    c2 = c.raise_concern(
        str(ben),
        "physical-abuse",
        "Ben said his stepfather hit him with a belt last night; bruising seen on his forearm.",
        ago(3),
        "Ms Green (PE)",
        immediate_risk=True,
        crime_suspected=True,
    )
    c.record_consent(
        str(c2),
        "not-sought",
        "DSL Ms Patel",
        reason="delay",
        note="Child at risk of harm tonight if sent home.",
    )
    c.record_lawful_basis(
        str(c2),
        "public-task",
        "Immediate risk of significant harm; police and MASH must act today.",
        "DSL Ms Patel",
        article9="safeguarding",
    )
    c.decide(
        str(c2),
        True,
        "Disclosure of assault; immediate risk; crime suspected.",
        "DSL Ms Patel",
        purpose="Child protection strategy discussion",
        to=["police", "mash"],
    )
    c.inform(
        str(c2),
        False,
        "DSL Ms Patel",
        reason="Telling the family now could increase the risk of harm.",
    )

    # 3. Consent refused, no lawful basis yet: decided not to share, reasons recorded.
    c3 = c.raise_concern(
        str(cara),
        "emotional-abuse",
        "Cara was tearful and said she is 'always shouted at'.",
        ago(26),
        "Mrs Ahmed (Year 2)",
        opinion="Possibly a one-off after a family argument.",
    )
    c.record_consent(str(c3), "refused", "DSL Ms Patel", from_whom="parent")
    c.decide(
        str(c3),
        False,
        "Single low-level indicator; monitoring in school; will review in two weeks.",
        "DSL Ms Patel",
    )

    # 4. Self-harm, consent sought from the child, awaiting an answer (on the worklist).
    c4 = c.raise_concern(
        str(dev),
        "self-harm",
        "Healed cuts seen on Dev's wrist in swimming.",
        ago(5),
        "Mr Okafor (Year 9)",
    )
    c.record_consent(str(c4), "sought", "DSL Ms Patel", from_whom="child")

    # 5. A new concern not yet triaged.
    c.raise_concern(
        str(amira),
        "other",
        "Amira mentioned an older 'boyfriend' who collects her.",
        ago(1),
        "Ms Li (TA)",
        opinion="Could be grooming.",
    )
    return c2
