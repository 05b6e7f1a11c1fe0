"""The custody of the record: backups taken, restores made and keys rotated.

An auditor asks of a record not only "who did what to this case" but "was the record itself
ever put back from a copy, and were its keys changed?". Each of those is an event on the
school's one custody log, with who did it and when; none of them rewrites an earlier event.
No personal data: ids, counts, key fingerprints and store names only.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.copying import CheapCopy
from domain.errors import InvalidValue
from domain.topics import stable_topics

CUSTODY_ID: UUID = uuid5(NAMESPACE_URL, "https://safeshare.invalid/custody-log")

ROTATABLE_KEYS = ("kek", "cipher", "signing", "audit")
"""The school's keys that can be rotated: the key-encryption key, the event store's cipher key,
the packet-signing certificate and the audit (checkpoint) key."""


class CustodyLog(CheapCopy, Aggregate):
    """The school's one log of backups, restores and key rotations."""

    class Opened(Aggregate.Created):
        TOPIC = "safeshare:custody:opened"

    class BackupTaken(Aggregate.Event):
        TOPIC = "safeshare:custody:backup-taken"
        backup_id: str
        stores: list[str]
        recorded_by: str

    class Restored(Aggregate.Event):
        TOPIC = "safeshare:custody:restored"
        backup_id: str
        backup_taken_at: str
        stores: list[str]
        erasures_reapplied: int
        keys_withheld: int
        recorded_by: str

    class KeyRotated(Aggregate.Event):
        """`items`: for "kek" the child keys re-wrapped, for "cipher" the keys now in the ring,
        for "signing" the CA certificates agencies now trust, for "audit" the checkpoints the
        old key had signed. Fingerprints: SHA-256 of the key (of the CA certificate for
        "signing"), never the key."""

        TOPIC = "safeshare:custody:key-rotated"
        key: str
        old_fingerprint: str
        new_fingerprint: str
        items: int
        recorded_by: str

    @staticmethod
    def create_id() -> UUID:
        return CUSTODY_ID

    @event(Opened)
    def __init__(self) -> None:
        self.backups: list[str] = []
        self.restores: list[dict[str, object]] = []
        self.rotations: list[dict[str, object]] = []

    @event(BackupTaken)
    def record_backup(self, backup_id: str, stores: list[str], recorded_by: str) -> None:
        self.backups.append(backup_id)

    @event(Restored)
    def record_restore(
        self,
        backup_id: str,
        backup_taken_at: str,
        stores: list[str],
        erasures_reapplied: int,
        keys_withheld: int,
        recorded_by: str,
    ) -> None:
        self.restores.append(
            {
                "backup_id": backup_id,
                "backup_taken_at": backup_taken_at,
                "stores": list(stores),
                "erasures_reapplied": erasures_reapplied,
                "keys_withheld": keys_withheld,
                "recorded_by": recorded_by,
            }
        )

    def record_key_rotation(
        self, key: str, old_fingerprint: str, new_fingerprint: str, items: int, recorded_by: str
    ) -> None:
        check_a_rotation_names_a_known_key_and_changes_it(key, old_fingerprint, new_fingerprint)
        self._key_rotated(
            key=key,
            old_fingerprint=old_fingerprint,
            new_fingerprint=new_fingerprint,
            items=items,
            recorded_by=recorded_by,
        )

    @event(KeyRotated)
    def _key_rotated(
        self, key: str, old_fingerprint: str, new_fingerprint: str, items: int, recorded_by: str
    ) -> None:
        self.rotations.append(
            {
                "key": key,
                "old_fingerprint": old_fingerprint,
                "new_fingerprint": new_fingerprint,
                "items": items,
                "recorded_by": recorded_by,
            }
        )


def check_a_rotation_names_a_known_key_and_changes_it(key: str, old: str, new: str) -> None:
    """A rotation replaces one of the school's keys with a different one; recording a
    "rotation" to the same key would claim a change that did not happen."""
    if key not in ROTATABLE_KEYS:
        raise InvalidValue("key", f"must be one of {', '.join(ROTATABLE_KEYS)}")
    if old == new:
        raise InvalidValue("key", "the new key is the old key: nothing was rotated")


stable_topics(CustodyLog, "safeshare:custody")
