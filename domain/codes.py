"""Reference lists the domain offers (DESIGN.md, "Reference lists the domain offers").

Codes are stable: they are stored in events and typed in the CLI, the API and the forms.
Each enum carries the label a person reads.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What kind of harm the concern is about."""

    PHYSICAL_ABUSE = "physical-abuse"
    EMOTIONAL_ABUSE = "emotional-abuse"
    SEXUAL_ABUSE = "sexual-abuse"
    NEGLECT = "neglect"
    EXPLOITATION = "exploitation"
    DOMESTIC_ABUSE = "domestic-abuse"
    FGM = "fgm"
    RADICALISATION = "radicalisation"
    SELF_HARM = "self-harm"
    OTHER = "other"


class ConsentStatus(StrEnum):
    """Where consent to share stands (policy footnote: "may be withdrawn at any time")."""

    NONE = "none"
    SOUGHT = "sought"
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    NOT_SOUGHT = "not-sought"


class NotSoughtReason(StrEnum):
    """Why consent was not sought; the policy's own grounds."""

    UNSAFE = "unsafe"
    RISK_TO_CHILD = "risk-to-child"
    CANNOT_OBTAIN = "cannot-obtain"
    DELAY = "delay"


class ConsentFrom(StrEnum):
    """Whose consent."""

    CHILD = "child"
    PARENT = "parent"
    CARER = "carer"


class Article6Basis(StrEnum):
    """UK GDPR Article 6(1) lawful bases."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal-obligation"
    VITAL_INTERESTS = "vital-interests"
    PUBLIC_TASK = "public-task"
    SAFEGUARDING_LEGITIMATE_INTEREST = "safeguarding-legitimate-interest"
    LEGITIMATE_INTERESTS = "legitimate-interests"


class Article9Condition(StrEnum):
    """UK GDPR Article 9(2) / DPA 2018 Schedule 1 conditions for special category data."""

    EXPLICIT_CONSENT = "explicit-consent"
    VITAL_INTERESTS = "vital-interests"
    SAFEGUARDING = "safeguarding"
    STATUTORY_PURPOSES = "statutory-purposes"
    HEALTH_SOCIAL_CARE = "health-social-care"


class AgencyKind(StrEnum):
    """Who a referral goes to."""

    MASH = "mash"
    SOCIAL_CARE = "social-care"
    NSPCC = "nspcc"
    POLICE = "police"
    LADO = "lado"
    SCHOOL = "school"
    OTHER = "other"


class AgencyOutcome(StrEnum):
    """What the receiving agency decided about a referral (as it told the school)."""

    ASSESSMENT = "assessment"
    STRATEGY_DISCUSSION = "strategy-discussion"
    EARLY_HELP = "early-help"
    NO_FURTHER_ACTION = "no-further-action"
    REFERRED_ON = "referred-on"
    OTHER = "other"


class FlowchartStep(StrEnum):
    """The question of the policy's "when" flowchart that decided an outcome."""

    PURPOSE = "purpose"
    CONSENT = "consent"
    IDENTIFIABLE = "identifiable"
    LAWFUL_BASIS = "lawful-basis"
    DSL_JUDGEMENT = "dsl-judgement"


class Relationship(StrEnum):
    """Who a person is to the child: family and household, or a professional involved."""

    MOTHER = "mother"
    FATHER = "father"
    STEP_PARENT = "step-parent"
    PARENTS_PARTNER = "parents-partner"
    FOSTER_CARER = "foster-carer"
    KINSHIP_CARER = "kinship-carer"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    OTHER_HOUSEHOLD_MEMBER = "other-household-member"
    OTHER_SIGNIFICANT_ADULT = "other-significant-adult"
    GP = "gp"
    HEALTH_VISITOR = "health-visitor"
    SCHOOL_NURSE = "school-nurse"
    SOCIAL_WORKER = "social-worker"
    EARLY_HELP_WORKER = "early-help-worker"
    CAMHS = "camhs"
    OTHER_PROFESSIONAL = "other-professional"

    @property
    def is_professional(self) -> bool:
        return self in _PROFESSIONALS

    @property
    def can_hold_parental_responsibility(self) -> bool:
        """Parents, step-parents and carers can; siblings, other adults and professionals
        are recorded without it."""
        return self in _MAY_HOLD_PARENTAL_RESPONSIBILITY


_PROFESSIONALS = frozenset(
    {
        Relationship.GP,
        Relationship.HEALTH_VISITOR,
        Relationship.SCHOOL_NURSE,
        Relationship.SOCIAL_WORKER,
        Relationship.EARLY_HELP_WORKER,
        Relationship.CAMHS,
        Relationship.OTHER_PROFESSIONAL,
    }
)
_MAY_HOLD_PARENTAL_RESPONSIBILITY = frozenset(
    {
        Relationship.MOTHER,
        Relationship.FATHER,
        Relationship.STEP_PARENT,
        Relationship.PARENTS_PARTNER,
        Relationship.FOSTER_CARER,
        Relationship.KINSHIP_CARER,
        Relationship.GRANDPARENT,
    }
)


class RequestBasis(StrEnum):
    """The power a request for information cites (Children Act 2004)."""

    S16H = "s16h"
    S14B = "s14b"
    NONE = "none"


class RetentionOutcome(StrEnum):
    """What a retention review decided."""

    KEEP = "keep"
    ERASE = "erase"


class ErasureReason(StrEnum):
    """Why a child's personal data was erased: a code, never free text, because the reason
    stays on the record after the erasure and free text could name the child."""

    RETENTION_ENDED = "retention-ended"
    ERASURE_REQUEST = "erasure-request"
    RECORDED_IN_ERROR = "recorded-in-error"
    DUPLICATE = "duplicate"
    COURT_ORDER = "court-order"


LABELS: dict[str, str] = {
    Category.PHYSICAL_ABUSE: "Physical abuse",
    Category.EMOTIONAL_ABUSE: "Emotional abuse",
    Category.SEXUAL_ABUSE: "Sexual abuse",
    Category.NEGLECT: "Neglect",
    Category.EXPLOITATION: "Exploitation (sexual or criminal)",
    Category.DOMESTIC_ABUSE: "Domestic abuse",
    Category.FGM: "Female genital mutilation",
    Category.RADICALISATION: "Radicalisation",
    Category.SELF_HARM: "Self-harm",
    Category.OTHER: "Other",
    NotSoughtReason.UNSAFE: "Seeking consent would be unsafe or inappropriate",
    NotSoughtReason.RISK_TO_CHILD: "Seeking consent would place the child at risk",
    NotSoughtReason.CANNOT_OBTAIN: "Consent cannot reasonably be obtained",
    NotSoughtReason.DELAY: "Seeking consent would cause harmful delay",
    Article6Basis.CONSENT: "Art. 6(1)(a) consent",
    Article6Basis.CONTRACT: "Art. 6(1)(b) contract",
    Article6Basis.LEGAL_OBLIGATION: "Art. 6(1)(c) legal obligation",
    Article6Basis.VITAL_INTERESTS: "Art. 6(1)(d) vital interests",
    Article6Basis.PUBLIC_TASK: "Art. 6(1)(e) public task",
    Article6Basis.SAFEGUARDING_LEGITIMATE_INTEREST: (
        "Art. 6(1)(ea) recognised legitimate interest: safeguarding"
    ),
    Article6Basis.LEGITIMATE_INTERESTS: "Art. 6(1)(f) legitimate interests",
    Article9Condition.EXPLICIT_CONSENT: "Art. 9(2)(a) explicit consent",
    RequestBasis.S16H: "Children Act 2004 s16H (safeguarding partners' request)",
    RequestBasis.S14B: "Children Act 2004 s14B (LSCB request)",
    RequestBasis.NONE: "no statutory power cited",
    Relationship.PARENTS_PARTNER: "Parent's partner",
    Relationship.OTHER_HOUSEHOLD_MEMBER: "Other member of the household",
    Relationship.OTHER_SIGNIFICANT_ADULT: "Other significant adult",
    Relationship.GP: "GP",
    Relationship.CAMHS: "CAMHS practitioner",
    Article9Condition.SAFEGUARDING: (
        "Art. 9(2)(g), DPA 2018 Sch. 1 para 18: safeguarding of children and of individuals at risk"
    ),
    Article9Condition.STATUTORY_PURPOSES: (
        "Art. 9(2)(g), DPA 2018 Sch. 1 para 6: statutory purposes"
    ),
    Article9Condition.HEALTH_SOCIAL_CARE: (
        "Art. 9(2)(h), DPA 2018 Sch. 1 para 2: health or social care"
    ),
    ErasureReason.RETENTION_ENDED: "The retention period ended",
    ErasureReason.ERASURE_REQUEST: "A request for erasure (UK GDPR Art. 17) was upheld",
    ErasureReason.RECORDED_IN_ERROR: "The record was made in error",
    ErasureReason.DUPLICATE: "A duplicate of another child's record",
    ErasureReason.COURT_ORDER: "A court order",
}


for _r in Relationship:
    LABELS.setdefault(_r, _r.value.replace("-", " ").capitalize())


def label(code: str) -> str:
    """The words a person reads for a code."""
    return LABELS.get(code, code)
