"""What the tests and the benchmarks both drive: a school on SQLite or on the real PostgreSQL, a
clock that moves only when told, a synthetic history, and worker processes on the real broker.

Not part of the installed application (`safeshare` never imports it); `bench/` uses it instead
of importing `tests/`.
"""
