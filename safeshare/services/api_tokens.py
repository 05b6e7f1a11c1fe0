"""API tokens: made for an account (shown once, only the SHA-256 kept), checked on each use
(the use appended to the token's uses log, `TokenUses`), listed and revoked by an administrator.

A token reads `sst_<token id hex>_<secret>`: the id finds the aggregate without an index, the
secret is compared with the stored digest in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from domain.api_token import ApiToken, TokenRefused, TokenUses
from domain.errors import InvalidValue
from safeshare.adapters.case_index import TOKENS_OF_ACCOUNT
from safeshare.services.accounts import Account, AccountService
from safeshare.services.appending import append_to_log
from safeshare.services.context import Context
from safeshare.validation import optional_text

PREFIX = "sst_"


@dataclass(frozen=True)
class IssuedToken:
    token_id: str
    token: str
    expires_at: str


@dataclass(frozen=True)
class TokenRow:
    token_id: str
    label: str
    expires_at: str
    revoked: bool
    uses: int


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenService:
    def __init__(self, ctx: Context, accounts: AccountService) -> None:
        self.ctx = ctx
        self.accounts = accounts

    def issue(self, user_id: UUID, label: str, by: str, days: float | None = None) -> IssuedToken:
        """A new token for the account, scoped to its role; the token is in the answer only."""
        account = self.accounts.get(user_id)
        if account is None:
            raise InvalidValue("account", "no such account")
        secret = secrets.token_urlsafe(32)
        token_id = uuid4()
        expires = self.ctx.clock() + timedelta(days=days or self.ctx.settings.api_token_days)
        token = ApiToken(
            id=token_id,
            user_id=str(account.user_id),
            role=account.role.value,
            digest=digest(secret),
            label=optional_text("label", label, 100) or "API token",
            expires_at=expires.isoformat(),
            issued_by=by,
        )
        self.ctx.app.save(token)
        return IssuedToken(str(token_id), f"{PREFIX}{token_id.hex}_{secret}", expires.isoformat())

    def authenticate(self, presented: str, what: str) -> Account:
        """The account a token acts as; the use is recorded. Unknown, expired, revoked or a
        role changed since: refused alike."""
        token = self._find(presented)
        if token is None:
            raise TokenRefused("api token", "the token is not valid")
        account = self.accounts.get(UUID(token.user_id))
        if account is None or account.role.value != token.role:
            raise TokenRefused("api token", "the token is not valid")
        log_id = TokenUses.create_id(token.id)
        append_to_log(
            self.ctx.app,
            log_id,
            lambda: TokenUses(token_id=token.id, what=what),
            lambda version: TokenUses.use_at(log_id, version, self.ctx.clock(), what),
            "recording the token's use",
        )
        return account

    def uses_of(self, token: ApiToken) -> int:
        """Every use: those recorded on the token by earlier versions, then its uses log."""
        log = self.ctx.app.last_version(TokenUses.create_id(token.id))
        return token.uses + TokenUses.count(log)

    def _find(self, presented: str) -> ApiToken | None:
        if not presented.startswith(PREFIX):
            return None
        token_hex, _, secret = presented[len(PREFIX) :].partition("_")
        try:
            token_id = UUID(hex=token_hex)
        except ValueError:
            return None
        token = self.ctx.app.find_read(token_id, ApiToken)
        if token is None:
            return None
        if not hmac.compare_digest(token.digest, digest(secret)):
            return None
        return token if token.usable(self.ctx.clock()) else None

    def tokens_of(self, user_id: UUID) -> list[TokenRow]:
        rows: list[TokenRow] = []
        # the case index: this account's tokens, not every token in the log
        for token_id in self.ctx.app.index.records_keyed(TOKENS_OF_ACCOUNT, str(user_id)):
            token = self.ctx.app.read(token_id, ApiToken)
            if token.user_id == str(user_id):
                rows.append(
                    TokenRow(
                        str(token.id),
                        token.label,
                        token.expires_at,
                        token.revoked,
                        self.uses_of(token),
                    )
                )
        return rows

    def revoke(self, token_id: str, by: str) -> None:
        try:
            token = self.ctx.app.get(UUID(token_id), ApiToken)
        except (ValueError, AggregateNotFoundError):
            raise InvalidValue("token", "no such token") from None
        token.revoke(by)
        self.ctx.app.save(token)
