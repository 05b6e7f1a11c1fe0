"""Jinja2 with autoescape on, GOV.UK Frontend's macros (govuk-frontend-jinja) and ours."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from jinja2.filters import do_indent
from markupsafe import Markup, escape

from domain.codes import label
from domain.visible_text import visible

SCHOOL_TIME = ZoneInfo("Europe/London")


def when(value: str | None) -> str:
    """An ISO moment as a person at the school reads it: 25 November 2026 at 09:00."""
    if not value:
        return ""
    at = datetime.fromisoformat(value).astimezone(SCHOOL_TIME)
    return f"{at.day} {at:%B %Y} at {at:%H:%M}"


def lines(text: str | None) -> Markup:
    """A person's text with its line breaks kept: each line escaped first, then joined with
    <br> (the text itself never becomes markup; bidi overrides and zero-width characters are
    shown visibly, as on every other display)."""
    return Markup("<br>").join(escape(visible(line)) for line in (text or "").splitlines())


def summary_list(params: Mapping[str, Any]) -> Markup:
    """GOV.UK Frontend's summary list, the same markup as `govukSummaryList` gives for rows
    without actions and no card, built in Python: the jinja macro costs about a millisecond a
    list, and a case page shows one per piece of advice sought. Anything else is refused (use
    the macro)."""
    if params.get("card"):
        raise ValueError("summary_list: a card needs govukSummaryList")
    attributes = params.get("attributes") or {}
    attrs = "".join(
        f' {escape(name)}="{escape(_attribute(name, value))}"' for name, value in attributes.items()
    )
    out = [f'<dl class="govuk-summary-list{_classes(params)}"{attrs}>\n']
    for row in params.get("rows") or []:
        if not row:
            continue
        if row.get("actions"):
            raise ValueError("summary_list: a row with actions needs govukSummaryList")
        key, value = row.get("key") or {}, row.get("value") or {}
        out.append(
            f'  <div class="govuk-summary-list__row{_classes(row)}">\n'
            f'    <dt class="govuk-summary-list__key{_classes(key)}">\n'
            f"      {_cell(key)}\n"
            "    </dt>\n"
            f'    <dd class="govuk-summary-list__value{_classes(value)}">\n'
            f"      {_cell(value)}\n"
            "    </dd>\n"
            "  </div>\n"
        )
    out.append("</dl>")
    return Markup("".join(out))


def _classes(part: Mapping[str, Any]) -> str:
    classes = part.get("classes")
    return f" {escape(classes)}" if classes else ""


def _attribute(name: str, value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if not isinstance(value, str | int):
        raise ValueError(f"summary_list: attribute {name} needs govukSummaryList")
    return str(value)


def _cell(cell: Mapping[str, Any]) -> Markup:
    """As the macro: html trimmed and its later lines indented; text escaped as it is."""
    html = cell.get("html")
    if html:
        return Markup(do_indent(Markup(html).strip(), 6))
    return escape(cell["text"]) if "text" in cell else Markup("")


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("safeshare.entrypoints.web", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = label
    env.filters["when"] = when
    env.filters["lines"] = lines
    env.globals["summary_list"] = summary_list
    return env


def render(env: Environment, template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)
