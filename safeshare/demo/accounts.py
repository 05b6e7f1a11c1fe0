"""Demonstration accounts for `make run`: one per role, with a known password and, for the
roles that need a second factor, an authenticator already set up (its key printed, so a person
can add it to an app or compute codes with `python -m pyotp`-style tools). Demo only."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp

from domain.user import User
from safeshare.services.school import Safeshare

DEMO_PASSWORD = "demo password, never in production"
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("Ms Green (demo staff)", "staff@demo.invalid", "staff"),
    ("Mrs Dee (demo DSL)", "dsl@demo.invalid", "dsl"),
    ("Ms Audit (demo auditor)", "auditor@demo.invalid", "auditor"),
    ("Mr Admin (demo admin)", "admin@demo.invalid", "admin"),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    password: str
    totp_secret: str | None


def add_demo_accounts(s: Safeshare) -> list[DemoAccount]:
    """Add the demo accounts that are not there yet; returns all of them."""
    made: list[DemoAccount] = []
    for name, email, role in DEMO_ACCOUNTS:
        existing = s.app.find(User.create_id(email), User)
        if existing is None:
            user_id = s.accounts.add(name, email, role, DEMO_PASSWORD, "safeshare demo")
            account = s.accounts.get(user_id)
            assert account is not None
            secret = None
            if account.needs_second_factor:
                offer = s.accounts.offer_enrolment(account)
                s.accounts.confirm_enrolment(
                    user_id, offer.secret, pyotp.TOTP(offer.secret).at(s.ctx.clock())
                )
                secret = offer.secret
        else:
            secret = existing.totp_secret
        made.append(DemoAccount(email, role, DEMO_PASSWORD, secret))
    return made
