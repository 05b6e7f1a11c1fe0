"""Passkeys and security keys (WebAuthn) as the second factor, with the `webauthn` library.

The relying party is the host of `SAFESHARE_WEB_BASE_URL` and the expected origin that URL
(WebAuthn refuses an IP address as a relying party: use a host name, `localhost` for tests).
Challenges are held by the caller (the web session) between the two halves of a ceremony.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from domain.errors import InvalidValue
from domain.user import User
from safeshare.services.accounts import RECOVERY_CODES, recovery_digest
from safeshare.services.context import Context


@dataclass(frozen=True)
class Ceremony:
    """Options for the browser (JSON) and the challenge to check the answer against."""

    options_json: str
    challenge: bytes


class PasskeyService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        base = urlsplit(ctx.settings.web_base_url)
        self.origin = f"{base.scheme}://{base.netloc}"
        self.rp_id = base.hostname or "localhost"

    def begin_registration(self, user_id: UUID) -> Ceremony:
        user = self.ctx.app.get(user_id, User)
        options = generate_registration_options(
            rp_id=self.rp_id,
            rp_name="safeshare",
            user_id=user.id.bytes,
            user_name=user.email,
            user_display_name=user.name,
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in user.passkeys
            ],
        )
        return Ceremony(options_to_json(options), options.challenge)

    def finish_registration(self, user_id: UUID, credential: str, challenge: bytes) -> list[str]:
        """Returns the recovery codes when this is the account's first second factor."""
        try:
            verified = verify_registration_response(
                credential=json.loads(credential),
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
            )
        except (InvalidRegistrationResponse, ValueError) as e:
            raise InvalidValue("passkey", f"the passkey was not set up ({e})") from None
        user = self.ctx.app.get(user_id, User)
        codes = [] if user.enrolled else [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
        user.register_passkey(
            bytes_to_base64url(verified.credential_id),
            bytes_to_base64url(verified.credential_public_key),
            verified.sign_count,
            [recovery_digest(c) for c in codes],
        )
        self.ctx.app.save(user)
        return codes

    def begin_authentication(self, user_id: UUID) -> Ceremony:
        user = self.ctx.app.get(user_id, User)
        if not user.passkeys:
            raise InvalidValue("passkey", "this account has no passkey")
        options = generate_authentication_options(
            rp_id=self.rp_id,
            allow_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in user.passkeys
            ],
        )
        return Ceremony(options_to_json(options), options.challenge)

    def finish_authentication(self, user_id: UUID, credential: str, challenge: bytes) -> None:
        user = self.ctx.app.get(user_id, User)
        user.check_not_locked()
        try:
            answer = json.loads(credential)
            credential_id = str(answer["id"])
            public_key, count = user.passkeys[credential_id]
            verified = verify_authentication_response(
                credential=answer,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
                credential_public_key=base64url_to_bytes(public_key),
                credential_current_sign_count=count,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as e:
            raise InvalidValue("passkey", f"the passkey did not sign in ({e})") from None
        user.record_passkey_use(credential_id, verified.new_sign_count)
        self.ctx.app.save(user)
