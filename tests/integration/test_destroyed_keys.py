"""A destroyed child key leaves nothing on disk, and destroying one costs one key.

The SQLite key store runs with `secure_delete`: SQLite overwrites a deleted row with zeros in
the database file itself, so erasure does not need to rewrite the whole file (`VACUUM`), which
cost what every child's key on file costs (issue 16: erasure must cost the child's own case).
"""

from __future__ import annotations

import os
from pathlib import Path
from uuid import uuid4

from safeshare.adapters.keystore import SQLiteKeyStore


def test_a_destroyed_key_is_overwritten_in_the_file_and_the_others_stay(tmp_path: Path) -> None:
    path = tmp_path / "keystore.sqlite"
    store = SQLiteKeyStore(path)
    keys = {uuid4(): os.urandom(40) for _ in range(300)}
    for child_id, wrapped in keys.items():
        store.put(child_id, wrapped)
    erased = list(keys)[150]
    assert keys[erased] in path.read_bytes()

    assert store.destroy(erased)
    assert not store.destroy(erased)  # already gone

    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the file and any journal
    assert keys[erased] not in on_disk
    assert store.get(erased) is None
    assert all(store.get(c) == w for c, w in keys.items() if c != erased)
    assert store.count() == len(keys) - 1
    store.close()
