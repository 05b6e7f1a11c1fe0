"""What the event store is given is what it gives back, byte for byte.

On PostgreSQL the recorder sends a save's events in the binary format rather than as an
escaped text literal (`postgres_store.binary_events`); ciphertext holds every byte value,
quotes, backslashes and braces included."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from safeshare.services.school import Safeshare


def test_every_byte_value_is_stored_and_read_back_unchanged(school: Safeshare) -> None:
    recorder = school.app.recorder
    awkward = bytes(range(256)) + b"\\x00\"',{}()" * 50
    first, second = uuid4(), uuid4()
    ids = recorder.insert_events(
        [
            StoredEvent(first, 1, "bench:Awkward", awkward),
            StoredEvent(second, 1, "bench:Awkward", awkward[::-1]),
        ]
    )
    assert ids is not None and len(ids) == 2
    assert [e.state for e in recorder.select_events(first)] == [awkward]
    assert [e.state for e in recorder.select_events(second)] == [awkward[::-1]]
    assert recorder.max_notification_id() == ids[-1]
