"""Inputs as a careless user or an attacker types them: any text, and the characters that
broke safeshare before (markup brackets, ANSI escapes, bidi overrides, zero-width spaces,
undecodable bytes as surrogates, line breaks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

NASTY = ["\x1b", "[", "]", "/", ":", "\u202e", "\u200b", "\ufeff", "\udcff", "\r", "\n", "\t",
         "\x00", " ", "a", "é", "ѕ", "\u0085", "\u2028", "0", "-"]  # fmt: skip

texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(NASTY), max_size=20),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=20),
)
"""Any text, surrogates (undecodable input) included."""


def moments(now: datetime) -> st.SearchStrategy[str]:
    """ISO 8601 moments from year 1 to 9999 (some in the future) and things that are not."""
    aware = st.datetimes(
        min_value=datetime.min + timedelta(days=1),
        max_value=datetime.max - timedelta(days=1),
        timezones=st.just(UTC),
    ).map(lambda d: d.isoformat())
    near = st.integers(min_value=-(10**6), max_value=10**4).map(
        lambda minutes: (now + timedelta(minutes=minutes)).isoformat()
    )
    return st.one_of(aware, near, texts)
