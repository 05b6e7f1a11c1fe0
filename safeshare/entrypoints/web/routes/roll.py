"""The school roll page: the administrator uploads the MIS pupil export.

New pupils are registered and returning ones recorded at once. Leavers are a separate,
confirmed step: only when the administrator says the file is the whole roll does the page
say how many pupils on the roll are not in it (and how many of them have a child-protection
file), and only when they confirm are those pupils recorded as having left. Between the two
steps the pupils' ids wait in the server-side session, never in the page or the URL.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidValue
from domain.user import Role
from safeshare.entrypoints.web.pages import (
    FormErrors,
    PostedForm,
    redirect,
    render_page,
    require,
    session_of,
    text,
    web_of,
)
from safeshare.services.roll import RollImport

router = APIRouter()
MAX_ROLL_BYTES = 5 * 1024 * 1024
PENDING = "roll:leavers"
"""The session's draft holding the pupils a whole-roll file would record as leaving."""


def _importer(request: Request) -> RollImport:
    web = web_of(request)
    return RollImport(web.school.children, web.children)


@router.get("/admin/roll")
def roll_page(request: Request) -> Response:
    require(request, Role.ADMIN)
    session_of(request).drafts.pop(PENDING, None)
    return render_page(request, "admin/roll.html", errors=FormErrors(), result=None)


@router.post("/admin/roll")
def roll_upload(request: Request, form: PostedForm) -> Response:
    admin = require(request, Role.ADMIN)
    upload = form.get("roll")
    whole_roll = text(form, "whole-roll") == "yes"
    errors = FormErrors()
    result = None
    session_of(request).drafts.pop(PENDING, None)
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.add("roll", "Choose the pupil export (a CSV file) from your MIS")
    else:
        data = upload.file.read(MAX_ROLL_BYTES + 1)
        try:
            if len(data) > MAX_ROLL_BYTES:
                raise InvalidValue("roll", "the file is larger than 5 MB")
            try:
                csv = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidValue("roll", "the file must be a CSV file in UTF-8") from None
            result = _importer(request).import_csv(csv, f"{admin.actor} (web roll import)")
        except InvalidValue as e:
            errors.add("roll", f"The file: {e.problem}")
    if result is not None and whole_roll and result.not_in_file:
        session_of(request).drafts[PENDING] = {"child_ids": [str(c) for c in result.not_in_file]}
    return render_page(
        request,
        "admin/roll.html",
        status=400 if errors else 200,
        errors=errors,
        result=result,
        whole_roll=whole_roll,
    )


@router.post("/admin/roll/leavers")
def record_leavers(request: Request) -> Response:
    """The administrator confirms: the pupils the whole-roll file left out have left."""
    admin = require(request, Role.ADMIN)
    pending = session_of(request).drafts.pop(PENDING, None)
    if not pending:
        errors = FormErrors()
        errors.add("roll", "Upload the whole roll again: nothing is waiting to be confirmed")
        return render_page(request, "admin/roll.html", status=400, errors=errors, result=None)
    result = _importer(request).record_leavers(
        [UUID(c) for c in pending["child_ids"]], f"{admin.actor} (web roll import)"
    )
    done = f"{result.left} {'pupil' if result.left == 1 else 'pupils'} recorded as having left"
    if result.transfers_opened:
        done += (
            f"; {result.transfers_opened} with a child-protection file, whose transfer to "
            "the new school is now on the DSL's worklist"
        )
    return redirect("/admin/roll", f"{done}.", request)
