"""Jinja2 with autoescape on, GOV.UK Frontend's macros (govuk-frontend-jinja) and ours."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
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
    return env


def render(env: Environment, template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)
