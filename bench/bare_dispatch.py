"""The work of one delivery done by the bare libraries in one loop: the `dispatch-vs-bare`
baseline.

Per referral: kombu publishes a job message with publisher confirms to a quorum queue and
consumes it with an ack; `cryptography` signs the packet (CMS SignedData, SHA-256) and
encrypts it to the agency (CMS EnvelopedData, AES-256); `smtplib` sends it as a mail on one
STARTTLS session kept open for the whole loop; and one `eventsourcing` save records that it
was delivered (same database, same cipher as the school's store). No safeshare code runs.
"""

from __future__ import annotations

import smtplib
import ssl
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from eventsourcing.application import Application
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.messaging import Consumer

from safeshare.bootstrap import event_store_env
from safeshare.settings import Settings

_BINARY = [pkcs7.PKCS7Options.Binary]


class BareDelivery(Aggregate):
    @event("Delivered")
    def __init__(self, referral_id: str, channel: str, receipt: str, sha256: str) -> None:
        pass


def _identity(name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def bare_rate(
    n: int, settings: Settings, smtp_host: str, smtp_port: int, ca_file: Path, size: int
) -> float:
    """Referrals per second through the bare libraries, one after another."""
    signer_key, signer_cert = _identity("school")
    _, agency_cert = _identity("agency")
    env = event_store_env(settings)
    env["CIPHER_TOPIC"] = get_topic(AESCipher)
    env["APPLICATION_RECORDER_TOPIC"] = ""
    if settings.database_url:
        env["POSTGRES_SCHEMA"] = settings.pg_schema
    else:
        env["SQLITE_DBNAME"] = str(Path(tempfile.mkdtemp()) / "bare.sqlite")
    app: Application[UUID] = Application(env=env)
    name = f"bench.bare.{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="topic", durable=True)
    queue = Queue(
        name, exchange, routing_key=name, durable=True, queue_arguments={"x-queue-type": "quorum"}
    )
    packet = b"p" * size
    smtp = smtplib.SMTP(smtp_host, smtp_port, timeout=30)
    smtp.starttls(context=ssl.create_default_context(cafile=str(ca_file)))
    received: list[bytes] = []

    def on_message(body: bytes, message: object) -> None:
        message.ack()  # type: ignore[attr-defined]
        received.append(body)

    broker = settings.broker_url or "amqp://guest:guest@127.0.0.1:5672//"
    with Connection(broker, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue.bind(channel).declare()
        producer = conn.Producer(channel)
        try:
            with Consumer(conn.channel(), queues=[queue], callbacks=[on_message]) as consumer:
                consumer.qos(prefetch_count=1)
                start = time.perf_counter()
                for _ in range(n):
                    referral_id = str(uuid.uuid4())
                    producer.publish(
                        {"referral_id": referral_id},
                        exchange=exchange,
                        routing_key=name,
                        serializer="json",
                    )
                    while not received:
                        conn.drain_events(timeout=10)
                    received.clear()
                    signed = (
                        pkcs7.PKCS7SignatureBuilder()
                        .set_data(packet)
                        .add_signer(signer_cert, signer_key, hashes.SHA256())
                        .sign(serialization.Encoding.DER, _BINARY)
                    )
                    sealed = (
                        pkcs7.PKCS7EnvelopeBuilder()
                        .set_data(signed)
                        .add_recipient(agency_cert)
                        .set_content_encryption_algorithm(algorithms.AES256)
                        .encrypt(serialization.Encoding.DER, _BINARY)
                    )
                    mail = EmailMessage()
                    mail["From"] = "dsl@school.example"
                    mail["To"] = "referrals@agency.example"
                    mail["Subject"] = f"Referral {referral_id}"
                    mail.add_attachment(sealed, maintype="application", subtype="pkcs7-mime")
                    reply = smtp.send_message(mail)
                    app.save(BareDelivery(referral_id, "smtp", repr(reply), "0" * 64))
                elapsed = time.perf_counter() - start
        finally:
            queue.bind(channel).delete()
            exchange.bind(channel).delete()
            channel.close()
            smtp.quit()
            app.close()
    return n / elapsed
