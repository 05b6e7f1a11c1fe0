"""Accounts: adding one, signing in with a password and a second factor, recovery codes.

Passwords are hashed with argon2id (parameters from settings, so tests stay fast); the
second factor is TOTP (RFC 6238) with ten one-time recovery codes. Every sign-in, wrong
password and lockout is recorded on the account, so the audit trail has them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError

from domain.api_token import ApiToken
from domain.errors import InvalidValue, PolicyRefusal
from domain.user import Role, User, requires_second_factor
from safeshare.adapters.case_index import TOKENS_OF_ACCOUNT, USERS
from safeshare.adapters.metrics import SIGN_IN_FAILURES
from safeshare.services.context import Context
from safeshare.validation import MAX_NAME, code, required_text

MIN_PASSWORD = 12
RECOVERY_CODES = 10
ISSUER = "safeshare"


class SignInRefused(PolicyRefusal):
    """Wrong email or password (the message never says which)."""


@dataclass(frozen=True)
class Account:
    """What the web and the CLI need to know about the account doing something."""

    user_id: UUID
    name: str
    email: str
    role: Role
    enrolled: bool
    deputy: bool = False
    re_enabled: int = 0
    """How many times the account has been enabled again: a web session carries the count it
    began with, and one from before the last re-enabling has ended."""

    @property
    def actor(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def needs_second_factor(self) -> bool:
        return requires_second_factor(self.role)


@dataclass(frozen=True)
class Enrolment:
    """A TOTP secret offered to an account, with its QR code as an SVG data URI."""

    secret: str
    uri: str
    qr_data_uri: str


@dataclass(frozen=True)
class AccountRow:
    account: Account
    locked: bool
    added_by: str
    disabled: bool = False


def account_of(user: User) -> Account:
    return Account(
        user.id, user.name, user.email, user.role, user.enrolled, user.deputy, user.re_enabled
    )


class AccountService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        s = ctx.settings
        self.hasher = PasswordHasher(
            time_cost=s.argon2_time_cost,
            memory_cost=s.argon2_memory_kib,
            parallelism=s.argon2_parallelism,
        )
        self._dummy_hash = self.hasher.hash("not a password anyone has")

    # -- adding accounts -----------------------------------------------------------------------

    def add(self, name: str, email: str, role: str, password: str, by: str) -> UUID:
        user = self.new_user(name, email, role, password, by)
        self.ctx.app.save(user)
        return user.id

    def new_user(self, name: str, email: str, role: str, password: str, by: str) -> User:
        """A new account, checked and not yet saved (saved with whatever else it goes with)."""
        name = required_text("name", name, MAX_NAME)
        email = required_text("email", email, 254)
        r = code("role", role, Role)
        if len(password) < MIN_PASSWORD:
            raise InvalidValue("password", f"must be at least {MIN_PASSWORD} characters")
        if self.ctx.app.find(User.create_id(email), User) is not None:
            raise InvalidValue("email", "an account with this email address already exists")
        return User.add(name, email, r, self.hasher.hash(password), required_text("by", by))

    def get(self, user_id: UUID) -> Account | None:
        """The account acting, or None: unknown, or disabled (its sessions and tokens end)."""
        user = self._user(user_id)
        return account_of(user) if user and not user.disabled else None

    def disable(self, user_id: UUID, reason: str, by: str) -> Account:
        """The person has left: the account is disabled, never deleted."""
        user = self._user(user_id)
        if user is None:
            raise InvalidValue("account", "no such account")
        user.disable(required_text("reason", reason, MAX_NAME), required_text("by", by))
        self.ctx.app.save(user)
        return account_of(user)

    def enable(self, user_id: UUID, by: str) -> Account:
        """A disabled account in use again: it signs in again, but nothing of its past spell
        comes back. Its old sessions stay ended (`Account.re_enabled`), and every API token it
        still holds is revoked with it, in the same transaction."""
        user = self.ctx.app.find(user_id, User)  # a private copy: this command changes it
        if user is None:
            raise InvalidValue("account", "no such account")
        by = required_text("by", by)
        user.enable(by)
        tokens: list[ApiToken] = []
        for token_id in self.ctx.app.index.records_keyed(TOKENS_OF_ACCOUNT, str(user_id)):
            token = self.ctx.app.get(token_id, ApiToken)
            if token.user_id == str(user_id) and not token.revoked:
                token.revoke(f"{by}, re-enabling the account")
                tokens.append(token)
        self.ctx.app.save(user, *tokens)
        return account_of(user)

    def disabled_account(self, user_id: UUID) -> Account | None:
        """A disabled account (for the page that enables it again), or None."""
        user = self._user(user_id)
        return account_of(user) if user and user.disabled else None

    def set_deputy(self, user_id: UUID, deputy: bool, by: str) -> Account:
        user = self._user(user_id)
        if user is None:
            raise InvalidValue("account", "no such account")
        user.set_deputy(deputy, required_text("by", by))
        self.ctx.app.save(user)
        return account_of(user)

    def listing(self) -> list[AccountRow]:
        """Every account, by name, with whether it is locked (for the admin page)."""
        rows: list[AccountRow] = []
        for user_id in self.ctx.app.index.records_keyed(USERS):  # the case index, not the log
            user = self._user(user_id)
            if user is not None:
                rows.append(AccountRow(account_of(user), user.locked, user.added_by, user.disabled))
        rows.sort(key=lambda r: r.account.name.lower())
        return rows

    def has_passkey(self, user_id: UUID) -> bool:
        user = self._user(user_id)
        return bool(user and user.passkeys)

    def _user(self, user_id: UUID) -> User | None:
        try:
            return self.ctx.app.read(user_id, User)
        except AggregateNotFoundError:
            return None

    # -- signing in ----------------------------------------------------------------------------

    def check_password(self, email: str, password: str, via: str) -> Account:
        """The first step of signing in. A wrong password is recorded on the account; the
        tenth in a row locks it. An unknown email costs the same time as a known one."""
        user = self.ctx.app.find(User.create_id(email or "-"), User)
        if user is None or user.disabled:
            self._verify(self._dummy_hash, password)
            SIGN_IN_FAILURES.labels("password", via).inc()
            raise SignInRefused("sign-in", "the email address or password is not right")
        user.check_not_locked()
        if not self._verify(user.password_hash, password):
            SIGN_IN_FAILURES.labels("password", via).inc()
            user.record_wrong_password(via)
            self.ctx.app.save(user)
            user.check_not_locked()
            raise SignInRefused("sign-in", "the email address or password is not right")
        return account_of(user)

    def complete_sign_in(self, user_id: UUID, via: str) -> Account:
        user = self.ctx.app.get(user_id, User)
        user.record_sign_in(via)
        self.ctx.app.save(user)
        return account_of(user)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- the second factor ---------------------------------------------------------------------

    def offer_enrolment(self, account: Account, secret: str | None = None) -> Enrolment:
        secret = secret or pyotp.random_base32()
        uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER)
        svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#0b0c0c")
        data = base64.b64encode(svg.encode()).decode()
        return Enrolment(secret, uri, f"data:image/svg+xml;base64,{data}")

    def confirm_enrolment(self, user_id: UUID, secret: str, otp: str) -> list[str]:
        """The code from the new authenticator proves it works; returns the recovery codes,
        shown once (only their hashes are kept)."""
        if not self._totp_ok(secret, otp):
            raise InvalidValue("code", "enter the 6-digit code your authenticator app shows now")
        user = self.ctx.app.get(user_id, User)
        codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
        user.enrol_second_factor(secret, [recovery_digest(c) for c in codes])
        self.ctx.app.save(user)
        return codes

    def check_second_factor(self, user_id: UUID, otp: str) -> bool:
        """A TOTP code, or an unused recovery code (then spent)."""
        user = self.ctx.app.get(user_id, User)
        user.check_not_locked()
        if user.disabled or user.totp_secret is None:
            return False
        cleaned = otp.replace(" ", "").strip().lower()
        if self._totp_ok(user.totp_secret, cleaned):
            return True
        digest = recovery_digest(cleaned)
        for index, stored in enumerate(user.recovery_code_hashes):
            if stored is not None and hmac.compare_digest(stored, digest):
                user.use_recovery_code(index)
                self.ctx.app.save(user)
                return True
        SIGN_IN_FAILURES.labels("second-factor", "any").inc()
        return False

    def _totp_ok(self, secret: str, otp: str) -> bool:
        otp = otp.replace(" ", "").strip()
        if not otp.isdigit():
            return False
        return pyotp.TOTP(secret).verify(otp, for_time=self.ctx.clock(), valid_window=1)

    def unlock(self, user_id: UUID, by: str) -> None:
        user = self.ctx.app.get(user_id, User)
        user.unlock(by)
        self.ctx.app.save(user)


def recovery_digest(recovery_code: str) -> str:
    return hashlib.sha256(recovery_code.strip().lower().encode()).hexdigest()
