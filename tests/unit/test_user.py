"""Accounts in the domain: the second factor each role needs, the lockout, recovery codes."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue, PolicyRefusal
from domain.user import AccountLocked, Role, User, locks_out, requires_second_factor


def staff() -> User:
    return User.add("Ms Green", "Green@School.test ", Role.STAFF, "$argon2id$hash", "test")


def test_dsls_auditors_and_admins_need_a_second_factor_staff_do_not() -> None:
    assert [r for r in Role if requires_second_factor(r)] == [Role.DSL, Role.AUDITOR, Role.ADMIN]


def test_one_account_per_email_address_whatever_its_case() -> None:
    user = staff()
    assert user.email == "green@school.test"
    assert user.id == User.create_id("GREEN@school.test")


def test_an_email_address_without_an_at_sign_is_refused() -> None:
    with pytest.raises(InvalidValue, match="email: must be an email address"):
        User.add("X", "not-an-address", Role.STAFF, "h", "test")


def test_the_tenth_wrong_password_in_a_row_locks_the_account_and_is_recorded() -> None:
    user = staff()
    for _ in range(9):
        user.record_wrong_password("web")
    assert not user.locked and not locks_out(user.failures)
    user.record_wrong_password("web")
    assert user.locked
    kinds = [type(e).__name__ for e in user.collect_events()]
    assert kinds.count("SignInFailed") == 10 and kinds[-1] == "LockedOut"
    with pytest.raises(AccountLocked, match="sign-in lockout"):
        user.record_sign_in("web")


def test_a_sign_in_between_wrong_passwords_starts_the_count_again() -> None:
    user = staff()
    for _ in range(9):
        user.record_wrong_password("web")
    user.record_sign_in("web")
    user.record_wrong_password("web")
    assert user.failures == 1 and not user.locked


def test_a_recovery_code_works_once() -> None:
    user = staff()
    user.enrol_second_factor("SECRET", ["h1", "h2"])
    user.use_recovery_code(0)
    with pytest.raises(InvalidValue, match="used or does not exist"):
        user.use_recovery_code(0)
    assert user.recovery_code_hashes == [None, "h2"]


def test_a_passkey_is_a_second_factor_and_a_counter_going_backwards_is_refused() -> None:
    user = staff()
    assert not user.enrolled
    user.register_passkey("cred-1", "public-key", 5, ["h1"])
    assert user.enrolled and user.recovery_code_hashes == ["h1"]
    user.record_passkey_use("cred-1", 6)
    with pytest.raises(InvalidValue, match="counter went backwards"):
        user.record_passkey_use("cred-1", 6)
    with pytest.raises(InvalidValue, match="already registered"):
        user.register_passkey("cred-1", "other", 0, [])


def test_a_disabled_account_enabled_again_signs_in_and_counts_the_new_spell() -> None:
    user = staff()
    user.disable("left the school", "Mr Admin")
    with pytest.raises(PolicyRefusal, match="this account is disabled"):
        user.record_sign_in("web")
    user.enable("Mr Admin")
    user.record_sign_in("web")
    assert not user.disabled and user.re_enabled == 1
    enabled = [e for e in user.collect_events() if isinstance(e, User.Enabled)]
    assert [e.recorded_by for e in enabled] == ["Mr Admin"]
    assert User.Enabled.TOPIC == "safeshare:user:enabled"


def test_an_account_in_use_cannot_be_enabled_again() -> None:
    user = staff()
    with pytest.raises(PolicyRefusal, match="this account is not disabled"):
        user.enable("Mr Admin")
    assert user.re_enabled == 0
