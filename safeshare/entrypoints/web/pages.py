"""What every route shares: the services, the signed-in account, rendering, form errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

from fastapi import Depends
from jinja2 import Environment
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from domain.errors import InvalidValue
from domain.user import ROLE_LABELS, Role
from safeshare.entrypoints.web.security import check_csrf, check_csrf_header
from safeshare.entrypoints.web.sessions import Session, SessionStore
from safeshare.entrypoints.web.templating import build_environment
from safeshare.entrypoints.web.throttle import AddressThrottle
from safeshare.services.accounts import Account, AccountService
from safeshare.services.actions import ActionService
from safeshare.services.attachments import AttachmentService
from safeshare.services.case_pages import CasePages
from safeshare.services.child_search import ChildSearch
from safeshare.services.referral_pages import ReferralPages
from safeshare.services.school import Safeshare

START_PAGE: dict[Role, str] = {
    Role.STAFF: "/concerns/new",
    Role.DSL: "/worklist",
    Role.AUDITOR: "/audit",
    Role.ADMIN: "/admin/users",
}

NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.STAFF: [
        ("Raise a concern", "/concerns/new"),
        ("My concerns", "/concerns/mine"),
        ("My actions", "/actions"),
    ],
    Role.DSL: [
        ("Worklist", "/worklist"),
        ("Raise a concern", "/concerns/new"),
        ("My concerns", "/concerns/mine"),
        ("My actions", "/actions"),
    ],
    Role.AUDITOR: [
        ("Audit trail", "/audit/trail"),
        ("Replay", "/audit/replay"),
        ("Verify", "/audit/verify"),
        ("Export", "/audit/export"),
        ("Timeliness", "/reports/timeliness"),
    ],
    Role.ADMIN: [
        ("Accounts", "/admin/users"),
        ("API tokens", "/admin/tokens"),
        ("School roll", "/admin/roll"),
    ],
}


class SignInRequired(Exception):
    """No signed-in account: go to the sign-in page."""


class Forbidden(Exception):
    """The account's role does not use this page."""


@dataclass
class Web:
    school: Safeshare
    accounts: AccountService
    children: ChildSearch
    cases: CasePages
    actions: ActionService
    attachments: AttachmentService
    sessions: SessionStore
    referrals: ReferralPages
    throttle: AddressThrottle


def web_of(request: Request) -> Web:
    web = request.app.state.web
    assert isinstance(web, Web)
    return web


def session_of(request: Request) -> Session:
    s = request.state.session
    assert isinstance(s, Session)
    return s


async def posted_form(request: Request) -> FormData:
    """The posted form, read on the event loop (the routes are plain `def`s, which FastAPI
    runs in its threadpool, so that a route's blocking work never holds up other requests).
    Starlette keeps it on the request: `csrf_guard` and the route read it once."""
    return await request.form()


async def posted_json(request: Request) -> Any:
    """The posted JSON document, or None when the body is not JSON."""
    try:
        return await request.json()
    except ValueError:
        return None


PostedForm = Annotated[FormData, Depends(posted_form)]
PostedJson = Annotated[Any, Depends(posted_json)]


async def csrf_guard(request: Request) -> None:
    """Every form carries the session's CSRF token; a POST without it is refused (403). The
    passkey script's JSON posts carry it in the X-CSRF-Token header."""
    if request.method != "POST":
        return
    if request.headers.get("content-type", "").startswith("application/json"):
        check_csrf_header(request.headers.get("x-csrf-token"), session_of(request).csrf)
    else:
        check_csrf(await request.form(), session_of(request).csrf)


def signed_in(request: Request) -> Account | None:
    s = session_of(request)
    if s.user_id is None:
        return None
    account = web_of(request).accounts.get(s.user_id)
    if account is None or account.re_enabled != s.re_enabled:
        web_of(request).sessions.end(s)  # disabled, or a session from before it was
        return None
    return account


def require(request: Request, *roles: Role) -> Account:
    """The signed-in account, holding one of `roles` (any role when none are named)."""
    account = signed_in(request)
    if account is None:
        raise SignInRequired
    if roles and account.role not in roles:
        raise Forbidden
    return account


@cache
def environment() -> Environment:
    return build_environment()


def render_page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    session = session_of(request)
    account = signed_in(request)
    flash, session.flash = session.flash, None
    problem, session.flash_problem = session.flash_problem, None
    if problem is not None and "errors" not in context:
        context["errors"] = FormErrors([problem])
    html = (
        environment()
        .get_template(template)
        .render(
            request_path=request.url.path,
            csrf_token=session.csrf,
            account=account,
            role_label=ROLE_LABELS.get(account.role) if account else None,
            navigation=NAVIGATION.get(account.role, []) if account else [],
            school_name=web_of(request).school.settings.school_name,
            flash=flash,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


def redirect(
    url: str, flash: str | None = None, request: Request | None = None
) -> RedirectResponse:
    """Post / redirect / get; the banner message rides in the session, never the URL."""
    if flash and request is not None:
        session_of(request).flash = flash
    return RedirectResponse(url, status_code=303)


def redirect_with_problem(
    url: str, field_id: str, message: str, request: Request
) -> RedirectResponse:
    """Back to the page the form is on, with the problem in its error summary."""
    session_of(request).flash_problem = (field_id, message)
    return RedirectResponse(url, status_code=303)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@dataclass
class FormErrors:
    """The error summary and each field's message (GOV.UK pattern)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, field_id: str, message: str) -> None:
        self.items.append((field_id, message))

    def add_invalid(self, e: InvalidValue, field_ids: dict[str, str] | None = None) -> None:
        field_id = (field_ids or {}).get(e.field, e.field)
        self.add(field_id, f"{e.field.replace('-', ' ').capitalize()}: {e.problem}")

    def __bool__(self) -> bool:
        return bool(self.items)

    def summary(self) -> list[dict[str, str]]:
        return [{"text": m, "href": f"#{f}"} for f, m in self.items]

    def of(self, field_id: str) -> str | None:
        return next((m for f, m in self.items if f == field_id), None)
