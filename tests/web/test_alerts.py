"""The DSLs are told of a new concern at once by email, through the referrals' SMTP channel,
with no personal data in the mail; an urgent one waits for a DSL's acknowledgement."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI

from domain.alert import DslAlert
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.services.dsl_alerts import AlertService
from safeshare.services.school import Safeshare
from sharing.channels import SmtpChannel, TlsSettings
from tests.support import FakeClock
from tests.web.conftest import People
from tests.web.support import Browser, add_person, raise_concern, text_of


def test_an_urgent_concern_mails_every_dsl_with_a_link_and_nothing_personal(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    smtp_agency: SmtpAgency,
    tls_settings: TlsSettings,
) -> None:
    add_person(web_school, "Mr Deputy", "deputy@school.test", "dsl")
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(
        staff,
        child_id,
        facts="Zebedee said his stepfather hit him.",
        **{"immediate-risk": "yes", "child-words": "He hit me"},
    )
    channel = SmtpChannel(
        smtp_agency.host, smtp_agency.port, "safeguarding@school.test", tls_settings
    )
    alerts = AlertService(web_school.ctx, web_school.projection_db())
    assert alerts.send_new(channel.send_notice) == 1
    assert alerts.send_new(channel.send_notice) == 0  # tracked: never twice

    mails = smtp_agency.messages
    assert sorted(str(m.message["To"]) for m in mails) == ["dee@school.test", "deputy@school.test"]
    for m in mails:
        assert m.subject == "URGENT: a new safeguarding concern needs a DSL now"
        body = m.message.get_body(("plain",))
        assert body is not None
        assert f"/concerns/{concern_id}" in body.get_content()
        raw = m.raw.decode()
        for personal in ("Ben", "Walsh", "Zebedee", "stepfather", "He hit me", "Physical"):
            assert personal not in raw

    dsl = Browser(app, web_school)
    dsl.sign_in(people.dsl)
    page = text_of(dsl.get(f"/concerns/{concern_id}").text)
    assert "No DSL has acknowledged this urgent concern yet." in page
    r = dsl.post(f"/concerns/{concern_id}/acknowledge", {})
    page = text_of(dsl.follow(r).text)
    assert "Alert acknowledged." in page
    assert "No DSL has acknowledged" not in page
    alert = web_school.app.get(DslAlert.create_id(UUID(concern_id)), DslAlert)
    assert alert.acknowledged_by == "Mrs Dee <dee@school.test> (web)"


def test_a_routine_concern_is_mailed_without_urgency_and_needs_no_acknowledgement(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    smtp_agency: SmtpAgency,
    tls_settings: TlsSettings,
) -> None:
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id, category="neglect")
    channel = SmtpChannel(
        smtp_agency.host, smtp_agency.port, "safeguarding@school.test", tls_settings
    )
    AlertService(web_school.ctx, web_school.projection_db()).send_new(channel.send_notice)
    assert [m.subject for m in smtp_agency.messages] == [
        "A new safeguarding concern has been raised"
    ]
    dsl = Browser(app, web_school)
    dsl.sign_in(people.dsl)
    assert "Urgent alert" not in dsl.get(f"/concerns/{concern_id}").text


def test_an_urgent_alert_nobody_acknowledges_escalates_to_the_deputies_then_the_headteacher(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    smtp_agency: SmtpAgency,
    tls_settings: TlsSettings,
    clock: FakeClock,
) -> None:
    """Configured: the deputies after 15 minutes, the headteacher 10 minutes after them."""
    web_school.ctx.settings.headteacher_email = "head@school.test"
    web_school.ctx.settings.alert_headteacher_after_minutes = 10
    add_person(web_school, "Mr Deputy", "deputy@school.test", "dsl")
    deputy = next(r.account for r in web_school.accounts.listing() if r.account.name == "Mr Deputy")
    web_school.accounts.set_deputy(deputy.user_id, True, "Mr Admin (test)")
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    raise_concern(staff, child_id, **{"immediate-risk": "yes"})
    channel = SmtpChannel(
        smtp_agency.host, smtp_agency.port, "safeguarding@school.test", tls_settings
    )
    alerts = AlertService(web_school.ctx, web_school.projection_db())
    alerts.send_new(channel.send_notice)
    first = sorted(str(m.message["To"]) for m in smtp_agency.messages)
    assert first == ["dee@school.test", "deputy@school.test"]  # every DSL at once

    def escalated_to() -> list[str]:
        return sorted(
            str(m.message["To"]) for m in smtp_agency.messages if "ESCALATED" in m.subject
        )

    clock.advance(minutes=14)
    assert alerts.escalate_due(channel.send_notice) == 0
    clock.advance(minutes=1)
    assert alerts.escalate_due(channel.send_notice) == 1
    assert escalated_to() == ["deputy@school.test"]
    assert alerts.escalate_due(channel.send_notice) == 0
    clock.advance(minutes=9)
    assert alerts.escalate_due(channel.send_notice) == 0
    clock.advance(minutes=1)
    assert alerts.escalate_due(channel.send_notice) == 1
    assert escalated_to() == ["deputy@school.test", "head@school.test"]
    head = next(m for m in smtp_agency.messages if str(m.message["To"]) == "head@school.test")
    assert head.subject.startswith("ESCALATED TO THE HEADTEACHER")
    assert "Walsh" not in str(head.message)
    clock.advance(minutes=60)
    assert alerts.escalate_due(channel.send_notice) == 0  # each tier once


def test_an_acknowledged_urgent_alert_escalates_no_further(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    smtp_agency: SmtpAgency,
    tls_settings: TlsSettings,
    clock: FakeClock,
) -> None:
    web_school.ctx.settings.headteacher_email = "head@school.test"
    staff = Browser(app, web_school)
    staff.sign_in(people.staff)
    concern_id = raise_concern(staff, child_id, **{"immediate-risk": "yes"})
    channel = SmtpChannel(
        smtp_agency.host, smtp_agency.port, "safeguarding@school.test", tls_settings
    )
    alerts = AlertService(web_school.ctx, web_school.projection_db())
    alerts.send_new(channel.send_notice)
    clock.advance(minutes=15)
    assert alerts.escalate_due(channel.send_notice) == 1
    escalated = [str(m.message["To"]) for m in smtp_agency.messages if "ESCALATED" in m.subject]
    assert escalated == ["dee@school.test"]  # no DSL is marked a deputy: every DSL
    dsl = Browser(app, web_school)
    dsl.sign_in(people.dsl)
    dsl.get(f"/concerns/{concern_id}")
    dsl.post(f"/concerns/{concern_id}/acknowledge", {})
    clock.advance(minutes=60)
    assert alerts.escalate_due(channel.send_notice) == 0
    assert "head@school.test" not in [str(m.message["To"]) for m in smtp_agency.messages]
