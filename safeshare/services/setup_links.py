"""One-time set-up links for the first administrator (`safeshare setup-link`, `make run`).

A link reads `<base url>/setup/<link id hex>.<secret>`: the id finds the aggregate without an
index, the secret is compared with the stored SHA-256 in constant time. Redeeming it records
the new admin account and the link's use in one save, so it works exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from domain.setup_link import SetupLink, SetupLinkRefused
from domain.user import Role
from safeshare.services.accounts import AccountService
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, required_text


@dataclass(frozen=True)
class IssuedLink:
    url: str
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SetupLinks:
    def __init__(self, ctx: Context, accounts: AccountService) -> None:
        self.ctx = ctx
        self.accounts = accounts

    def issue(self, by: str, hours: float | None = None) -> IssuedLink:
        secret = secrets.token_urlsafe(32)
        link_id = uuid4()
        expires = self.ctx.clock() + timedelta(hours=hours or self.ctx.settings.setup_link_hours)
        self.ctx.app.save(
            SetupLink(
                id=link_id,
                digest=_digest(secret),
                expires_at=expires,
                issued_by=required_text("by", by, MAX_NAME),
            )
        )
        base = self.ctx.settings.web_base_url.rstrip("/")
        return IssuedLink(f"{base}/setup/{link_id.hex}.{secret}", expires)

    def find(self, token: str) -> SetupLink | None:
        """The usable link this token opens, or None (unknown, wrong secret, used, expired)."""
        link_hex, _, secret = token.partition(".")
        try:
            link_id = UUID(hex=link_hex)
        except ValueError:
            return None
        link = self.ctx.app.find(link_id, SetupLink)
        if link is None or not hmac.compare_digest(link.digest, _digest(secret)):
            return None
        return link if link.usable(self.ctx.clock()) else None

    def redeem(self, token: str, name: str, email: str, password: str) -> UUID:
        """A new admin account, chosen by the person holding the link; the link is spent in
        the same save. Bad input names its field and spends nothing."""
        link = self.find(token)
        if link is None:
            raise SetupLinkRefused("setup link", "this set-up link has been used or has expired")
        user = self.accounts.new_user(
            name, email, Role.ADMIN.value, password, "first administrator (one-time set-up link)"
        )
        link.use(self.ctx.clock(), user.id, f"{user.name} <{user.email}>")
        self.ctx.app.save(user, link)
        return user.id
