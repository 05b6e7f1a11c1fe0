"""An account: a person who signs in to safeshare, with one role.

Every command is done by an account (issue 13: "Every command, from the web or the CLI, is
done by an account"). Accounts are recorded events like everything else, so the audit trail
says when an account was added, enrolled a second factor, signed in, failed to, or was locked.
The aggregate holds only hashes and the TOTP secret (the event store's cipher encrypts it at
rest); hashing happens in the application layer.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import InvalidValue, PolicyRefusal
from domain.topics import stable_topics

_USER_NAMESPACE = uuid5(NAMESPACE_URL, "https://safeshare.invalid/user")

LOCKOUT_AFTER_FAILURES = 10


class Role(StrEnum):
    """What an account may do (issue 13, "Roles")."""

    STAFF = "staff"
    DSL = "dsl"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.STAFF: "Member of staff",
    Role.DSL: "Designated safeguarding lead",
    Role.AUDITOR: "Auditor",
    Role.ADMIN: "Administrator",
}


def requires_second_factor(role: Role) -> bool:
    """Issue 13: "A second factor is mandatory for dsl, auditor and admin"."""
    return role in (Role.DSL, Role.AUDITOR, Role.ADMIN)


def locks_out(failures: int) -> bool:
    """Issue 13: "ten wrong passwords lock the account"."""
    return failures >= LOCKOUT_AFTER_FAILURES


class AccountLocked(PolicyRefusal):
    """Too many wrong passwords: the account is locked until an administrator unlocks it."""


class User(CheapCopy, Aggregate):
    """One account."""

    class Added(Aggregate.Created):
        TOPIC = "safeshare:user:added"
        name: str
        email: str
        role: str
        password_hash: str
        added_by: str

    class SecondFactorEnrolled(Aggregate.Event):
        TOPIC = "safeshare:user:second-factor-enrolled"
        totp_secret: str
        recovery_code_hashes: list[str]
        recorded_by: str

    class PasskeyRegistered(Aggregate.Event):
        TOPIC = "safeshare:user:passkey-registered"
        credential_id: str
        public_key: str
        sign_count: int
        recovery_code_hashes: list[str]
        recorded_by: str

    class PasskeyUsed(Aggregate.Event):
        TOPIC = "safeshare:user:passkey-used"
        credential_id: str
        sign_count: int
        recorded_by: str

    class RecoveryCodeUsed(Aggregate.Event):
        TOPIC = "safeshare:user:recovery-code-used"
        index: int
        recorded_by: str

    class SignedIn(Aggregate.Event):
        TOPIC = "safeshare:user:signed-in"
        recorded_by: str

    class SignInFailed(Aggregate.Event):
        TOPIC = "safeshare:user:sign-in-failed"
        failures: int
        recorded_by: str

    class LockedOut(Aggregate.Event):
        TOPIC = "safeshare:user:locked-out"
        failures: int
        recorded_by: str

    class Unlocked(Aggregate.Event):
        TOPIC = "safeshare:user:unlocked"
        recorded_by: str

    class Disabled(Aggregate.Event):
        """The person has left: the account can no longer sign in, and its sessions and API
        tokens stop working. Kept (never deleted) so the record still names who did what."""

        TOPIC = "safeshare:user:disabled"
        reason: str
        recorded_by: str

    class Enabled(Aggregate.Event):
        """A disabled account in use again (the person came back, or it was disabled by
        mistake): it signs in again. What ended when it was disabled stays ended: its old
        sessions do not come back, and its API tokens were revoked with this."""

        TOPIC = "safeshare:user:enabled"
        recorded_by: str

    class DeputySet(Aggregate.Event):
        """A DSL account marked as a deputy DSL (or no longer one): an unacknowledged urgent
        alert escalates to the deputies first, then to the headteacher."""

        TOPIC = "safeshare:user:deputy-set"
        deputy: bool
        recorded_by: str

    @staticmethod
    def create_id(email: str) -> UUID:
        """One account per email address: the id is derived from it, so look-up needs no
        index."""
        return uuid5(_USER_NAMESPACE, email.strip().lower())

    @classmethod
    def add(cls, name: str, email: str, role: Role, password_hash: str, added_by: str) -> User:
        if "@" not in email:
            raise InvalidValue("email", "must be an email address, like name@school.org")
        return cls(
            id=cls.create_id(email),
            name=name,
            email=email.strip().lower(),
            role=role.value,
            password_hash=password_hash,
            added_by=added_by,
        )

    @event(Added)
    def __init__(
        self, id: UUID, name: str, email: str, role: str, password_hash: str, added_by: str
    ) -> None:
        self.name = name
        self.email = email
        self.role = Role(role)
        self.password_hash = password_hash
        self.added_by = added_by
        self.totp_secret: str | None = None
        self.recovery_code_hashes: list[str | None] = []
        self.passkeys: dict[str, tuple[str, int]] = {}
        """credential id (base64url) -> (public key, base64url; last signature count)"""
        self.failures = 0
        self.locked = False
        self.disabled = False
        self.re_enabled = 0
        """How many times the account has been enabled again: a session begun before the
        last time belongs to a past spell of the account, and has ended."""
        self.deputy = False

    @property
    def actor(self) -> str:
        """How the record names this account as the one who did something."""
        return f"{self.name} <{self.email}>"

    @property
    def enrolled(self) -> bool:
        """A second factor is set up: an authenticator app, or a passkey."""
        return self.totp_secret is not None or bool(self.passkeys)

    def register_passkey(
        self,
        credential_id: str,
        public_key: str,
        sign_count: int,
        recovery_code_hashes: list[str],
    ) -> None:
        """A passkey or security key (WebAuthn) as the second factor; the first one set up
        brings the recovery codes."""
        if credential_id in self.passkeys:
            raise InvalidValue("passkey", "this passkey is already registered")
        self._passkey_registered(
            credential_id=credential_id,
            public_key=public_key,
            sign_count=sign_count,
            recovery_code_hashes=list(recovery_code_hashes),
            recorded_by=self.actor,
        )

    @event(PasskeyRegistered)
    def _passkey_registered(
        self,
        credential_id: str,
        public_key: str,
        sign_count: int,
        recovery_code_hashes: list[str],
        recorded_by: str,
    ) -> None:
        self.passkeys = {**self.passkeys, credential_id: (public_key, sign_count)}
        if recovery_code_hashes:
            self.recovery_code_hashes = list(recovery_code_hashes)

    def record_passkey_use(self, credential_id: str, sign_count: int) -> None:
        """WebAuthn: a signature count that does not move forward may mean a cloned key."""
        _, last = self.passkeys[credential_id]
        if sign_count and last and sign_count <= last:
            raise InvalidValue("passkey", "the security key's counter went backwards")
        self._passkey_used(
            credential_id=credential_id, sign_count=sign_count, recorded_by=self.actor
        )

    @event(PasskeyUsed)
    def _passkey_used(self, credential_id: str, sign_count: int, recorded_by: str) -> None:
        public_key, _ = self.passkeys[credential_id]
        self.passkeys = {**self.passkeys, credential_id: (public_key, sign_count)}

    def enrol_second_factor(self, totp_secret: str, recovery_code_hashes: list[str]) -> None:
        self._enrolled(
            totp_secret=totp_secret,
            recovery_code_hashes=list(recovery_code_hashes),
            recorded_by=self.actor,
        )

    @event(SecondFactorEnrolled)
    def _enrolled(
        self, totp_secret: str, recovery_code_hashes: list[str], recorded_by: str
    ) -> None:
        self.totp_secret = totp_secret
        self.recovery_code_hashes = list(recovery_code_hashes)

    def use_recovery_code(self, index: int) -> None:
        """A recovery code works once."""
        if not 0 <= index < len(self.recovery_code_hashes) or not self.recovery_code_hashes[index]:
            raise InvalidValue("code", "that recovery code has been used or does not exist")
        self._recovery_used(index=index, recorded_by=self.actor)

    @event(RecoveryCodeUsed)
    def _recovery_used(self, index: int, recorded_by: str) -> None:
        self.recovery_code_hashes[index] = None

    def check_not_locked(self) -> None:
        if self.locked:
            raise AccountLocked(
                "sign-in lockout", "this account is locked after too many wrong passwords"
            )

    def check_active(self) -> None:
        """A disabled account does nothing at all: no sign-in, no second factor, no token."""
        if self.disabled:
            raise PolicyRefusal("account", "this account is disabled")

    def disable(self, reason: str, by: str) -> None:
        if self.disabled:
            raise PolicyRefusal("account", "this account is already disabled")
        self._disabled(reason=reason, recorded_by=by)

    @event(Disabled)
    def _disabled(self, reason: str, recorded_by: str) -> None:
        self.disabled = True
        self.deputy = False

    def enable(self, by: str) -> None:
        """Only a disabled account is enabled again."""
        if not self.disabled:
            raise PolicyRefusal("account", "this account is not disabled")
        self._enabled(recorded_by=by)

    @event(Enabled)
    def _enabled(self, recorded_by: str) -> None:
        self.disabled = False
        self.re_enabled += 1

    def set_deputy(self, deputy: bool, by: str) -> None:
        """Only a DSL is a deputy DSL ("deputies are DSLs")."""
        self.check_active()
        if deputy and self.role is not Role.DSL:
            raise PolicyRefusal("deputy", "only a DSL account can be a deputy DSL")
        if deputy != self.deputy:
            self._deputy_set(deputy=deputy, recorded_by=by)

    @event(DeputySet)
    def _deputy_set(self, deputy: bool, recorded_by: str) -> None:
        self.deputy = deputy

    def record_sign_in(self, via: str) -> None:
        self.check_active()
        self.check_not_locked()
        self._signed_in(recorded_by=f"{self.actor} via {via}")

    @event(SignedIn)
    def _signed_in(self, recorded_by: str) -> None:
        self.failures = 0

    def record_wrong_password(self, via: str) -> None:
        """Each wrong password is recorded; the tenth locks the account (and says so)."""
        if self.locked:
            return
        failures = self.failures + 1
        self._failed(failures=failures, recorded_by=f"sign-in via {via}")
        if locks_out(failures):
            self._locked(failures=failures, recorded_by=f"sign-in via {via}")

    @event(SignInFailed)
    def _failed(self, failures: int, recorded_by: str) -> None:
        self.failures = failures

    @event(LockedOut)
    def _locked(self, failures: int, recorded_by: str) -> None:
        self.locked = True

    def unlock(self, by: str) -> None:
        self._unlocked(recorded_by=by)

    @event(Unlocked)
    def _unlocked(self, recorded_by: str) -> None:
        self.locked = False
        self.failures = 0


stable_topics(User, "safeshare:user")
