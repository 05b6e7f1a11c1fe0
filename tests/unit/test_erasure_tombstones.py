"""The erasure tombstones: ids only, each once, and a damaged list is refused, never skipped."""

from __future__ import annotations

import stat
from pathlib import Path
from uuid import uuid4

import pytest

from safeshare.adapters.erasure_tombstones import ErasureTombstones


def test_each_erased_child_is_listed_once_by_id_only(tmp_path: Path) -> None:
    tombstones = ErasureTombstones(tmp_path / "outside" / "tombstones")
    a, b = uuid4(), uuid4()
    for child in (a, b, a):
        tombstones.add(child)
    assert tombstones.ids() == {a, b}
    assert tombstones.path.read_text() == f"{a.hex}\n{b.hex}\n"
    assert stat.S_IMODE(tombstones.path.stat().st_mode) == 0o600


def test_a_line_that_is_not_an_id_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "tombstones"
    path.write_text(f"{uuid4().hex}\nnot an id\n")
    with pytest.raises(ValueError, match="line 2: not a child id"):
        ErasureTombstones(path).ids()


def test_no_list_yet_means_no_erasures(tmp_path: Path) -> None:
    assert ErasureTombstones(tmp_path / "absent").ids() == set()
