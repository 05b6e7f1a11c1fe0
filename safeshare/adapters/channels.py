"""The school's transport channels, built from its settings: SMTP (STARTTLS) and HTTPS."""

from __future__ import annotations

from safeshare.settings import Settings
from sharing.channels import Channel, HttpsChannel, SmtpChannel, TlsSettings

CHANNELS = ("smtp", "https")


def tls_settings(settings: Settings) -> TlsSettings:
    return TlsSettings(
        ca_file=settings.tls_ca_file,
        client_cert=settings.tls_client_cert,
        client_key=settings.tls_client_key,
        timeout_seconds=settings.channel_timeout_seconds,
    )


def smtp_channel(settings: Settings) -> SmtpChannel:
    """The one SMTP client: referrals and the DSL's alerts go through the same relay."""
    password = settings.smtp_password
    return SmtpChannel(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
        tls_settings(settings),
        username=settings.smtp_username,
        password=password.get_secret_value() if password is not None else None,
    )


def make_channel(kind: str, settings: Settings) -> Channel:
    if kind == "smtp":
        return smtp_channel(settings)
    if kind == "https":
        return HttpsChannel(tls_settings(settings))
    msg = f"no channel {kind!r}"
    raise ValueError(msg)
