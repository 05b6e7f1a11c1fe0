"""The one-time set-up link (`safeshare setup-link`, printed by `make run`): the first
administrator chooses their name, email and password, then sets up the second factor. A used,
expired or unknown link is a missing page."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.setup_link import SetupLinkRefused
from safeshare.entrypoints.web.pages import (
    FormErrors,
    PostedForm,
    redirect,
    render_page,
    session_of,
    text,
    web_of,
)
from safeshare.services.setup_links import SetupLinks

router = APIRouter()


def _links(request: Request) -> SetupLinks:
    web = web_of(request)
    return SetupLinks(web.school.ctx, web.accounts)


def _not_found(request: Request) -> Response:
    return render_page(request, "errors/not_found.html", status=404)


@router.get("/setup/{token}")
def setup_page(request: Request, token: str) -> Response:
    if _links(request).find(token) is None:
        return _not_found(request)
    return render_page(request, "auth/setup.html", token=token, values={}, errors=FormErrors())


@router.post("/setup/{token}")
def setup(request: Request, token: str, form: PostedForm) -> Response:
    links = _links(request)
    if links.find(token) is None:
        return _not_found(request)
    values = {k: text(form, k) for k in ("name", "email")}
    try:
        user_id = links.redeem(token, values["name"], values["email"], text(form, "password"))
    except SetupLinkRefused:
        return _not_found(request)
    except InvalidValue as e:
        errors = FormErrors()
        errors.add_invalid(e)
        return render_page(
            request, "auth/setup.html", status=400, token=token, values=values, errors=errors
        )
    session = session_of(request)
    session.pending_user_id = user_id
    return redirect(
        "/account/second-factor",
        "Your administrator account is made. Now set up your authenticator app.",
        request,
    )
