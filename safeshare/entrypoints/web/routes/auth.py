"""Signing in (password, then the second factor), enrolling TOTP, signing out."""

from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.errors import InvalidValue
from safeshare.entrypoints.web.pages import (
    START_PAGE,
    FormErrors,
    PostedForm,
    PostedJson,
    SignInRequired,
    redirect,
    render_page,
    session_of,
    signed_in,
    text,
    web_of,
)
from safeshare.services.accounts import SignInRefused
from safeshare.services.passkeys import PasskeyService

router = APIRouter()
VIA = "web"


@router.get("/login")
def login_page(request: Request) -> Response:
    if signed_in(request):
        return redirect("/")
    return render_page(request, "auth/login.html", errors=FormErrors(), email="")


@router.post("/login")
def login(request: Request, form: PostedForm) -> Response:
    web = web_of(request)
    email, password = text(form, "email").strip(), text(form, "password")
    errors = FormErrors()
    if not email:
        errors.add("email", "Enter your email address")
    if not password:
        errors.add("password", "Enter your password")
    if not errors and _address_throttled(request):
        errors.add(
            "email", "Too many wrong passwords from this device: wait a minute and try again"
        )
    if not errors:
        try:
            account = web.accounts.check_password(email, password, VIA)
        except SignInRefused:
            _note_address_failure(request)
            errors.add("email", "The email address or password is not right")
        else:
            session = session_of(request)
            if account.needs_second_factor:
                session.pending_user_id = account.user_id
                return redirect(
                    "/login/second-factor" if account.enrolled else "/account/second-factor"
                )
            web.accounts.complete_sign_in(account.user_id, VIA)
            request.state.session = web.sessions.begin(session, account)
            return redirect(START_PAGE[account.role])
    return render_page(request, "auth/login.html", status=400, errors=errors, email=email)


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _address_throttled(request: Request) -> bool:
    return web_of(request).throttle.refused(_address(request))


def _note_address_failure(request: Request) -> None:
    web_of(request).throttle.failed(_address(request))


@router.get("/login/second-factor")
def second_factor_page(request: Request) -> Response:
    user_id = session_of(request).pending_user_id
    if user_id is None:
        raise SignInRequired
    return render_page(
        request,
        "auth/second_factor.html",
        errors=FormErrors(),
        has_passkey=web_of(request).accounts.has_passkey(user_id),
    )


@router.post("/login/second-factor")
def second_factor(request: Request, form: PostedForm) -> Response:
    web = web_of(request)
    session = session_of(request)
    user_id = session.pending_user_id
    if user_id is None:
        raise SignInRequired
    errors = FormErrors()
    otp = text(form, "code")
    if not otp.strip():
        errors.add("code", "Enter the 6-digit code from your authenticator app")
    elif web.accounts.check_second_factor(user_id, otp):
        account = web.accounts.complete_sign_in(user_id, VIA)
        request.state.session = web.sessions.begin(session, account)
        return redirect(START_PAGE[account.role])
    else:
        errors.add("code", "The code is not right: enter the code your app shows now")
    return render_page(request, "auth/second_factor.html", status=400, errors=errors)


@router.get("/account/second-factor")
def enrol_page(request: Request) -> Response:
    web = web_of(request)
    session = session_of(request)
    if session.pending_user_id is None:
        raise SignInRequired
    account = web.accounts.get(session.pending_user_id)
    if account is None or account.enrolled:
        raise SignInRequired
    enrolment = web.accounts.offer_enrolment(account, session.pending_secret)
    session.pending_secret = enrolment.secret
    return render_page(request, "auth/enrol.html", enrolment=enrolment, errors=FormErrors())


@router.post("/account/second-factor")
def enrol(request: Request, form: PostedForm) -> Response:
    web = web_of(request)
    session = session_of(request)
    user_id, secret = session.pending_user_id, session.pending_secret
    account = web.accounts.get(user_id) if user_id else None
    if account is None or secret is None or account.enrolled:
        raise SignInRequired
    try:
        codes = web.accounts.confirm_enrolment(account.user_id, secret, text(form, "code"))
    except InvalidValue as e:
        errors = FormErrors()
        errors.add("code", "Enter the 6-digit code your authenticator app shows now")
        del e
        enrolment = web.accounts.offer_enrolment(account, secret)
        return render_page(
            request, "auth/enrol.html", status=400, enrolment=enrolment, errors=errors
        )
    account = web.accounts.complete_sign_in(account.user_id, VIA)
    fresh = web.sessions.begin(session, account)
    fresh.recovery_codes = codes
    request.state.session = fresh
    return redirect("/account/recovery-codes")


@router.get("/account/recovery-codes")
def recovery_codes(request: Request) -> Response:
    session = session_of(request)
    if not session.signed_in:
        raise SignInRequired
    codes, session.recovery_codes = session.recovery_codes, []
    return render_page(request, "auth/recovery_codes.html", codes=codes)


@router.post("/logout")
def logout(request: Request) -> Response:
    web = web_of(request)
    web.sessions.end(session_of(request))
    request.state.session = web.sessions.new()
    return redirect("/login", "You have signed out", request)


# -- passkeys (WebAuthn): the script's JSON half of each ceremony ------------------------------


@router.get("/account/passkey/options")
def passkey_registration_options(request: Request) -> Response:
    session = session_of(request)
    web = web_of(request)
    account = web.accounts.get(session.pending_user_id) if session.pending_user_id else None
    if account is None or account.enrolled:
        return JSONResponse({"error": "sign in first"}, status_code=403)
    ceremony = PasskeyService(web.school.ctx).begin_registration(account.user_id)
    session.passkey_challenge = ceremony.challenge
    return Response(ceremony.options_json, media_type="application/json")


@router.post("/account/passkey")
def passkey_register(request: Request, body: PostedJson) -> Response:
    session = session_of(request)
    web = web_of(request)
    account = web.accounts.get(session.pending_user_id) if session.pending_user_id else None
    challenge, session.passkey_challenge = session.passkey_challenge, None
    if account is None or account.enrolled or challenge is None:
        return JSONResponse({"error": "sign in first"}, status_code=403)
    try:
        codes = PasskeyService(web.school.ctx).finish_registration(
            account.user_id, json.dumps(body["credential"]), challenge
        )
    except (InvalidValue, KeyError, TypeError, ValueError):
        return JSONResponse({"error": "the passkey was not set up"}, status_code=400)
    account = web.accounts.complete_sign_in(account.user_id, VIA)
    fresh = web.sessions.begin(session, account)
    fresh.recovery_codes = codes
    request.state.session = fresh
    return JSONResponse({"next": "/account/recovery-codes"})


@router.get("/login/passkey/options")
def passkey_sign_in_options(request: Request) -> Response:
    session = session_of(request)
    web = web_of(request)
    if session.pending_user_id is None:
        return JSONResponse({"error": "sign in first"}, status_code=403)
    try:
        ceremony = PasskeyService(web.school.ctx).begin_authentication(session.pending_user_id)
    except InvalidValue:
        return JSONResponse({"error": "no passkey"}, status_code=400)
    session.passkey_challenge = ceremony.challenge
    return Response(ceremony.options_json, media_type="application/json")


@router.post("/login/passkey")
def passkey_sign_in(request: Request, body: PostedJson) -> Response:
    session = session_of(request)
    web = web_of(request)
    user_id = session.pending_user_id
    challenge, session.passkey_challenge = session.passkey_challenge, None
    if user_id is None or challenge is None:
        return JSONResponse({"error": "sign in first"}, status_code=403)
    try:
        PasskeyService(web.school.ctx).finish_authentication(
            user_id, json.dumps(body["credential"]), challenge
        )
    except (InvalidValue, KeyError, TypeError, ValueError):
        return JSONResponse({"error": "the passkey did not sign in"}, status_code=400)
    account = web.accounts.complete_sign_in(user_id, VIA)
    request.state.session = web.sessions.begin(session, account)
    return JSONResponse({"next": START_PAGE[account.role]})
