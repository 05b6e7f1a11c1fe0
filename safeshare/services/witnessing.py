"""The school's side of witnessing (DESIGN.md "Integrity"; docs/operations.md "Witnesses").

Every signed checkpoint is sent to each configured witness with a consistency proof from the
size that witness last cosigned; its cosignature is kept in `witness_cosigned` (projections
database) for `audit verify` and `safeshare health` to say how old the newest witnessed
checkpoint is. The erasure tombstones (ids only, signed by the audit key) go to the witnesses
too, so that a restore of every store from before an erasure still knows of it.

Network calls happen here, never inside a projection's transaction. A witness that cannot be
reached is skipped with a log line and asked again at the next checkpoint; a witness that
refuses (409, 422) is reported plainly: the log no longer extends what it cosigned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.checkpoint import Checkpoint
from projections.db import ProjectionDb, Tx
from projections.integrity_nodes import StoredTree
from projections.witness_note import add_checkpoint_body, cosignature_times, sign_tombstones
from safeshare.adapters.erasure_tombstones import ErasureTombstones
from safeshare.adapters.witness_client import WitnessUnreachable, witness_get, witness_post
from safeshare.services.witness_mail import mail_checkpoint
from safeshare.settings import Settings

log = logging.getLogger("safeshare.audit")

REFUSED = "refused"
COSIGNED = "cosigned"
UNREACHABLE = "unreachable"
SENT = "sent"


@dataclass(frozen=True, slots=True)
class WitnessAnswer:
    witness: str
    outcome: str
    detail: str


def create_witness_table(tx: Tx) -> None:
    tx.execute(
        "CREATE TABLE IF NOT EXISTS witness_cosigned (witness TEXT NOT NULL, size BIGINT NOT "
        "NULL, cosigned_at TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (witness, size))"
    )


def newest_witnessed(db: ProjectionDb) -> tuple[str, int, datetime] | None:
    """(witness, size, when it cosigned) of the newest cosignature this school received."""
    with db.transaction() as tx:
        create_witness_table(tx)
        row = tx.fetchone(
            "SELECT witness, size, cosigned_at FROM witness_cosigned "
            "ORDER BY cosigned_at DESC, size DESC LIMIT 1"
        )
    if row is None:
        return None
    return str(row[0]), int(row[1]), datetime.fromisoformat(str(row[2]))


def send_latest(
    settings: Settings, db: ProjectionDb, key: Ed25519PrivateKey
) -> list[WitnessAnswer]:
    """Send the latest checkpoint (as stored, every signature line) and the erasure tombstones
    to the configured witnesses; what each answered (never raises for a witness that is down:
    it is asked again at the next checkpoint)."""
    if not settings.witness_urls and not settings.witness_addresses:
        return []
    with db.transaction() as tx:
        row = tx.fetchone("SELECT note FROM integrity_checkpoints ORDER BY seq DESC LIMIT 1")
    if row is None:
        return []
    text = str(row[0])
    cp = Checkpoint.from_text(text)
    answers = send_checkpoint(settings, db, cp, text)
    if answers:  # a witness that already holds this checkpoint holds the tombstones too
        answers += send_tombstones(settings, key)
    if settings.witness_addresses:
        note = sign_tombstones(settings.log_origin, _local_tombstones(settings), key)
        mailed = mail_checkpoint(settings, db, cp, text, note)
        answers += [WitnessAnswer(f"mailto:{a}", outcome, detail) for a, outcome, detail in mailed]
    return answers


def _local_tombstones(settings: Settings) -> list[UUID]:
    return sorted(ErasureTombstones(settings.tombstones_path).ids())


def send_checkpoint(
    settings: Settings, db: ProjectionDb, cp: Checkpoint, text: str
) -> list[WitnessAnswer]:
    """Ask each configured witness to cosign the checkpoint (`text` as stored, every
    signature line); what each answered."""
    answers = []
    for url in settings.witness_urls:
        with db.transaction() as tx:
            create_witness_table(tx)
            row = tx.fetchone("SELECT max(size) FROM witness_cosigned WHERE witness = ?", (url,))
        last = int(row[0]) if row is not None and row[0] is not None else 0
        if last == cp.size and last > 0:
            continue
        answers.append(_send_one(settings, db, url, last, cp, text))
    return answers


def _send_one(
    settings: Settings, db: ProjectionDb, url: str, old: int, cp: Checkpoint, text: str
) -> WitnessAnswer:
    for _ in range(2):  # a 409 names the size the witness holds: ask once more from there
        proof: list[bytes] = []
        if 0 < old < cp.size:
            with db.transaction() as tx:
                proof = StoredTree(tx).consistency_proof(old, cp.size)
        try:
            status, body = witness_post(
                url,
                "/add-checkpoint",
                add_checkpoint_body(old, proof, text),
                settings.witness_ca_file,
            )
        except WitnessUnreachable as e:
            log.warning("checkpoint of size %d not witnessed: %s", cp.size, e)
            return WitnessAnswer(url, UNREACHABLE, str(e))
        said = body.strip()
        if status == 409 and said.isdigit() and int(said) != old and int(said) <= cp.size:
            old = int(said)
            continue
        break
    if status != 200:
        why = f"HTTP {status}: {said[:200]}"
        log.error("witness %s refused the checkpoint of size %d (%s)", url, cp.size, why)
        return WitnessAnswer(url, REFUSED, why)
    cosigned = text + body
    times = [at for _, at in cosignature_times(cosigned)]
    if not times:
        return WitnessAnswer(url, REFUSED, "the answer holds no cosignature")
    with db.transaction() as tx:
        create_witness_table(tx)
        tx.execute("DELETE FROM witness_cosigned WHERE witness = ? AND size = ?", (url, cp.size))
        tx.execute(
            "INSERT INTO witness_cosigned (witness, size, cosigned_at, note) VALUES (?, ?, ?, ?)",
            (url, cp.size, max(times).isoformat(), cosigned),
        )
    return WitnessAnswer(url, COSIGNED, f"size {cp.size}")


def send_tombstones(settings: Settings, key: Ed25519PrivateKey) -> list[WitnessAnswer]:
    """Send the whole erasure tombstone list (ids only, signed) to each witness; the witness
    keeps every id it has not seen. Safe to repeat."""
    if not settings.witness_urls:
        return []
    note = sign_tombstones(settings.log_origin, _local_tombstones(settings), key).encode()
    answers = []
    for url in settings.witness_urls:
        try:
            status, body = witness_post(url, "/add-tombstones", note, settings.witness_ca_file)
        except WitnessUnreachable as e:
            log.warning("erasure tombstones not sent: %s", e)
            answers.append(WitnessAnswer(url, UNREACHABLE, str(e)))
            continue
        outcome = SENT if status == 200 else REFUSED
        answers.append(WitnessAnswer(url, outcome, f"HTTP {status}: {body.strip()[:200]}"))
    return answers


def fetch_tombstones(settings: Settings, url: str) -> set[UUID]:
    """The erased child ids a witness holds for this school's log."""
    status, body = witness_get(url, "/tombstones", settings.log_origin, settings.witness_ca_file)
    if status != 200:
        raise WitnessUnreachable(f"witness {url}: HTTP {status} for the tombstones")
    try:
        return {UUID(hex=line) for line in body.split()}
    except ValueError:
        raise WitnessUnreachable(f"witness {url}: the tombstone list is not ids") from None


def fetch_witnessed_checkpoint(settings: Settings, url: str) -> str:
    """The last checkpoint a witness cosigned for this school's log, as it keeps it."""
    status, body = witness_get(url, "/checkpoint", settings.log_origin, settings.witness_ca_file)
    if status != 200:
        raise WitnessUnreachable(f"witness {url}: HTTP {status} for the checkpoint")
    return body


def tombstones_from_witnesses(settings: Settings) -> tuple[set[UUID], list[str]]:
    """Every tombstone the reachable witnesses hold, and the witnesses that could not be asked."""
    found: set[UUID] = set()
    unreached: list[str] = []
    for url in settings.witness_urls:
        try:
            found |= fetch_tombstones(settings, url)
        except WitnessUnreachable as e:
            log.warning("tombstones not fetched: %s", e)
            unreached.append(url)
    return found, unreached
