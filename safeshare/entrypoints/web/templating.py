"""Jinja2 with autoescape on, GOV.UK Frontend's macros (govuk-frontend-jinja) and ours."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

from domain.codes import label


def when(value: str | None) -> str:
    """An ISO moment as a person reads it: 25 November 2026 at 9:00."""
    if not value:
        return ""
    at = datetime.fromisoformat(value)
    return f"{at.day} {at:%B %Y} at {at:%H:%M}"


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
    return env


def render(env: Environment, template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)
