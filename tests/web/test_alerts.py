"""The DSLs are told of a new concern at once by email, through the referrals' SMTP channel,
with no personal data in the mail; an urgent one waits for a DSL's acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import pytest
from fastapi import FastAPI

from domain.alert import DslAlert
from safeshare.demo.agencies.smtp import SmtpAgency
from safeshare.services.dsl_alerts import AlertService
from safeshare.services.school import Safeshare
from sharing.channels import SmtpChannel, TlsSettings
from tests.support import FakeClock
from tests.web.conftest import People
from tests.web.support import Browser, add_person, raise_concern, text_of


@dataclass
class Alerting:
    """A school whose DSLs are mailed through a loopback SMTP server: staff raise concerns in
    the browser, the alert service sends and escalates, and the mail that arrived is read."""

    app: FastAPI
    school: Safeshare
    people: People
    child_id: str
    mailbox: SmtpAgency
    channel: SmtpChannel
    alerts: AlertService
    staff: Browser | None = field(default=None)

    def raise_concern(self, **fields: str) -> str:
        if self.staff is None:
            self.staff = Browser(self.app, self.school)
            self.staff.sign_in(self.people.staff)
        return raise_concern(self.staff, self.child_id, **fields)

    def send_new(self) -> int:
        return self.alerts.send_new(self.channel.send_notice)

    def escalate_due(self) -> int:
        return self.alerts.escalate_due(self.channel.send_notice)

    def mailed_to(self, subject_has: str = "") -> list[str]:
        return sorted(
            str(m.message["To"]) for m in self.mailbox.messages if subject_has in m.subject
        )

    def dsl(self) -> Browser:
        dsl = Browser(self.app, self.school)
        dsl.sign_in(self.people.dsl)
        return dsl

    def add_deputy(self) -> None:
        add_person(self.school, "Mr Deputy", "deputy@school.test", "dsl")
        deputy = next(
            r.account for r in self.school.accounts.listing() if r.account.name == "Mr Deputy"
        )
        self.school.accounts.set_deputy(deputy.user_id, True, "Mr Admin (test)")


@pytest.fixture
def alerting(
    app: FastAPI,
    web_school: Safeshare,
    people: People,
    child_id: str,
    smtp_agency: SmtpAgency,
    tls_settings: TlsSettings,
) -> Alerting:
    channel = SmtpChannel(
        smtp_agency.host, smtp_agency.port, "safeguarding@school.test", tls_settings
    )
    alerts = AlertService(web_school.ctx, web_school.projection_db())
    return Alerting(app, web_school, people, child_id, smtp_agency, channel, alerts)


def test_an_urgent_concern_mails_every_dsl_with_a_link_and_nothing_personal(
    alerting: Alerting,
) -> None:
    add_person(alerting.school, "Mr Deputy", "deputy@school.test", "dsl")
    concern_id = alerting.raise_concern(
        facts="Zebedee said his stepfather hit him.",
        **{"immediate-risk": "yes", "child-words": "He hit me"},
    )
    assert alerting.send_new() == 1
    assert alerting.send_new() == 0  # tracked: never twice

    assert alerting.mailed_to() == ["dee@school.test", "deputy@school.test"]
    for m in alerting.mailbox.messages:
        assert m.subject == "URGENT: a new safeguarding concern needs a DSL now"
        body = m.message.get_body(("plain",))
        assert body is not None
        assert f"/concerns/{concern_id}" in body.get_content()
        raw = m.raw.decode()
        for personal in ("Ben", "Walsh", "Zebedee", "stepfather", "He hit me", "Physical"):
            assert personal not in raw

    dsl = alerting.dsl()
    page = text_of(dsl.get(f"/concerns/{concern_id}").text)
    assert "No DSL has acknowledged this urgent concern yet." in page
    r = dsl.post(f"/concerns/{concern_id}/acknowledge", {})
    page = text_of(dsl.follow(r).text)
    assert "Alert acknowledged." in page
    assert "No DSL has acknowledged" not in page
    alert = alerting.school.app.get(DslAlert.create_id(UUID(concern_id)), DslAlert)
    assert alert.acknowledged_by == "Mrs Dee <dee@school.test> (web)"


def test_a_routine_concern_is_mailed_without_urgency_and_needs_no_acknowledgement(
    alerting: Alerting,
) -> None:
    concern_id = alerting.raise_concern(category="neglect")
    alerting.send_new()
    assert [m.subject for m in alerting.mailbox.messages] == [
        "A new safeguarding concern has been raised"
    ]
    assert "Urgent alert" not in alerting.dsl().get(f"/concerns/{concern_id}").text


def test_an_urgent_alert_nobody_acknowledges_escalates_to_the_deputies_then_the_headteacher(
    alerting: Alerting, clock: FakeClock
) -> None:
    """Configured: the deputies after 15 minutes, the headteacher 10 minutes after them."""
    settings = alerting.school.ctx.settings
    settings.headteacher_email = "head@school.test"
    settings.alert_headteacher_after_minutes = 10
    alerting.add_deputy()
    alerting.raise_concern(**{"immediate-risk": "yes"})
    alerting.send_new()
    assert alerting.mailed_to() == ["dee@school.test", "deputy@school.test"]  # every DSL at once

    clock.advance(minutes=14)
    assert alerting.escalate_due() == 0
    clock.advance(minutes=1)
    assert alerting.escalate_due() == 1
    assert alerting.mailed_to("ESCALATED") == ["deputy@school.test"]
    assert alerting.escalate_due() == 0
    clock.advance(minutes=9)
    assert alerting.escalate_due() == 0
    clock.advance(minutes=1)
    assert alerting.escalate_due() == 1
    assert alerting.mailed_to("ESCALATED") == ["deputy@school.test", "head@school.test"]
    head = next(m for m in alerting.mailbox.messages if str(m.message["To"]) == "head@school.test")
    assert head.subject.startswith("ESCALATED TO THE HEADTEACHER")
    assert "Walsh" not in str(head.message)
    clock.advance(minutes=60)
    assert alerting.escalate_due() == 0  # each tier once


def test_an_acknowledged_urgent_alert_escalates_no_further(
    alerting: Alerting, clock: FakeClock
) -> None:
    alerting.school.ctx.settings.headteacher_email = "head@school.test"
    concern_id = alerting.raise_concern(**{"immediate-risk": "yes"})
    alerting.send_new()
    clock.advance(minutes=15)
    assert alerting.escalate_due() == 1
    assert alerting.mailed_to("ESCALATED") == ["dee@school.test"]  # no deputy: every DSL
    dsl = alerting.dsl()
    dsl.get(f"/concerns/{concern_id}")
    dsl.post(f"/concerns/{concern_id}/acknowledge", {})
    clock.advance(minutes=60)
    assert alerting.escalate_due() == 0
    assert "head@school.test" not in alerting.mailed_to()
