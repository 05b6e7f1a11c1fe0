"""Helpers for the projection tests: dump a projection database to compare two builds."""

from __future__ import annotations

from typing import Any

from projections.db import ProjectionDb


def dump(db: ProjectionDb) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection table's rows, sorted (the tracking table left out: positions are
    compared separately)."""
    with db.transaction() as tx:
        if tx.dialect == "sqlite":
            names = [
                str(r[0])
                for r in tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
        else:
            names = [
                str(r[0])
                for r in tx.fetchall(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                )
            ]
        out: dict[str, list[tuple[Any, ...]]] = {}
        for name in sorted(names):
            if name == "projection_tracking":
                continue
            rows = tx.fetchall(f"SELECT * FROM {name}")
            out[name] = sorted(tuple(str(v) for v in row) for row in rows)
        return out
