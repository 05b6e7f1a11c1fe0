"""The case page's summary lists are built in Python for speed; they must stay the markup
GOV.UK Frontend's `govukSummaryList` macro gives, and keep escaping what a person typed."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from safeshare.entrypoints.web.templating import build_environment, lines

MACRO = (
    '{% from "govuk_frontend_jinja/components/summary-list/macro.html" '
    "import govukSummaryList %}{{ govukSummaryList(params) }}"
)
OURS = "{{ summary_list(params) }}"

CASES: list[dict[str, Any]] = [
    {"rows": []},
    {
        "attributes": {"id": "advice-3"},
        "rows": [
            {"key": {"text": "Asked"}, "value": {"text": "MASH <consultation> & line"}},
            {"key": {"text": "Question"}, "value": {"html": lines("first line\n<b>second</b>")}},
            None,
            {"key": {"text": "Advice"}, "value": {"text": None}},
            {"key": {"text": "Spaces"}, "value": {"text": "  kept \n as typed "}},
        ],
    },
    {
        "classes": "app-tight",
        "rows": [
            {
                "classes": "row-x",
                "key": {"text": "Key", "classes": "k"},
                "value": {"html": Markup("  <p>a</p>\n\n<p>b</p>  "), "classes": "v"},
            },
            {"key": {"html": Markup("<abbr>DSL</abbr>")}, "value": {}},
        ],
    },
]


@pytest.mark.parametrize("params", CASES)
def test_the_summary_list_is_the_macros_markup(params: dict[str, Any]) -> None:
    env = build_environment()
    expected = env.from_string(MACRO).render(params=params)
    assert env.from_string(OURS).render(params=params) == expected


def test_typed_text_stays_text() -> None:
    html = (
        build_environment()
        .from_string(OURS)
        .render(
            params={"rows": [{"key": {"text": "Facts"}, "value": {"text": "<script>x</script>"}}]}
        )
    )
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "params",
    [
        {"card": {"title": {"text": "A card"}}, "rows": []},
        {"rows": [{"key": {"text": "k"}, "value": {"text": "v"}, "actions": {"items": [{}]}}]},
    ],
)
def test_what_it_does_not_draw_is_refused(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="govukSummaryList"):
        build_environment().from_string(OURS).render(params=params)
