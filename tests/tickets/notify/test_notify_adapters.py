"""The real adapters against real peers: aiosmtpd for e-mail, a private Kannel for SMS."""

from __future__ import annotations

import pytest
from smtp_rig import SMTP_PASSWORD, SMTP_USER, self_signed

from kontakt.channels.kannel_box import PASSWORD, USERNAME, free_port
from tickets.notify.kannel import KannelSmsGateway
from tickets.notify.messages import render
from tickets.notify.ports import NotificationFailed
from tickets.notify.smtp import SmtpEmailSender

NUMBER = "NS-2027-000123"
PHONE = "+381641234567"


async def test_email_arrives_in_the_citizens_language(smtp_server):
    m = render(status="resolved", language="sr", ticket_number=NUMBER,
               outcome="Квар је отклоњен.")
    sender = SmtpEmailSender("127.0.0.1", smtp_server.port, "kontakt@novisad.rs")
    message_id = await sender.send("gradjanin@example.org", m.subject, m.body)
    [got] = smtp_server.inbox.messages
    assert got["Message-ID"] == message_id
    assert got["Subject"] == "Контакт центар Града Новог Сада: захтев NS-2027-000123 – решен"
    body = got.get_content()
    assert NUMBER in body and "Статус: решен" in body and "Квар је отклоњен." in body
    assert smtp_server.inbox.envelopes == [("kontakt@novisad.rs", ["gradjanin@example.org"])]


# Login without TLS on a test server bound to 127.0.0.1.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_email_with_login(smtp_servers):
    server = smtp_servers(auth=True)
    m = render(status="cancelled", language="hu", ticket_number=NUMBER, outcome="")
    good = SmtpEmailSender("127.0.0.1", server.port, "kontakt@novisad.rs",
                           username=SMTP_USER, password=SMTP_PASSWORD)
    await good.send("polgar@example.org", m.subject, m.body)
    assert "visszavonva" in server.inbox.messages[0]["Subject"]
    bad = SmtpEmailSender("127.0.0.1", server.port, "kontakt@novisad.rs",
                          username=SMTP_USER, password="wrong")
    with pytest.raises(NotificationFailed) as e:
        await bad.send("polgar@example.org", m.subject, m.body)
    assert e.value.code == "email.auth_refused" and e.value.retryable
    assert len(server.inbox.messages) == 1


async def test_email_with_starttls_and_login(smtp_servers, tmp_path):
    server_tls, client_tls = self_signed(tmp_path)
    server = smtp_servers(auth=True, tls=server_tls)
    m = render(status="resolved", language="sk", ticket_number=NUMBER, outcome="Opravené.")
    sender = SmtpEmailSender("127.0.0.1", server.port, "kontakt@novisad.rs", starttls=True,
                             username=SMTP_USER, password=SMTP_PASSWORD, tls_context=client_tls)
    await sender.send("obcan@example.org", m.subject, m.body)
    assert "vyriešená" in server.inbox.messages[0]["Subject"]
    plain = SmtpEmailSender("127.0.0.1", server.port, "kontakt@novisad.rs")
    with pytest.raises(NotificationFailed) as e:  # the server insists on STARTTLS
        await plain.send("obcan@example.org", m.subject, m.body)
    assert e.value.code == "email.server_error" and e.value.details["smtp_code"] == 530
    assert len(server.inbox.messages) == 1


async def test_refused_recipient_is_not_retryable(smtp_server):
    sender = SmtpEmailSender("127.0.0.1", smtp_server.port, "kontakt@novisad.rs")
    with pytest.raises(NotificationFailed) as e:
        await sender.send("nobody@example.org", "s", "b")
    assert e.value.code == "email.refused"
    assert not e.value.retryable
    assert e.value.details["smtp_code"] == 550


async def test_smtp_server_down_is_retryable():
    sender = SmtpEmailSender("127.0.0.1", free_port(), "kontakt@novisad.rs", timeout=3)
    with pytest.raises(NotificationFailed) as e:
        await sender.send("gradjanin@example.org", "s", "b")
    assert e.value.code == "email.unreachable" and e.value.retryable


async def test_bad_address_is_refused_before_connecting():
    sender = SmtpEmailSender("127.0.0.1", free_port(), "kontakt@novisad.rs")
    with pytest.raises(NotificationFailed) as e:
        await sender.send("not an address", "s", "b")
    assert (e.value.code, e.value.retryable) == ("email.bad_address", False)


async def test_sms_reaches_the_fake_smsc_through_kannel(kannel):
    gateway = KannelSmsGateway(kannel.url, USERNAME, PASSWORD)
    sr = render(status="resolved", language="sr", ticket_number=NUMBER,
                outcome="Квар на водоводу у Улици Јована Поповића је отклоњен.")
    en = render(status="cancelled", language="en", ticket_number=NUMBER, outcome="Duplicate.")
    id1 = await gateway.send(PHONE, sr.sms)
    id2 = await gateway.send(PHONE, en.sms)
    assert id1 != id2 and id1.startswith("kannel-")
    got = await kannel.wait_received(2)
    assert [(s.to, s.text) for s in got] == [(PHONE, sr.sms), (PHONE, en.sms)]
    assert got[0].coding == "ucs-2"  # Cyrillic went as UCS-2 (coding=2), concatenated
    assert got[1].coding == "text"


async def test_kannel_wrong_password_is_retryable_and_sends_nothing(kannel):
    gateway = KannelSmsGateway(kannel.url, USERNAME, "wrong")
    with pytest.raises(NotificationFailed) as e:
        await gateway.send(PHONE, "x")
    assert e.value.code == "sms.auth_refused" and e.value.retryable
    assert e.value.details["http_status"] == 403
    assert kannel.received() == []


async def test_kannel_down_is_retryable():
    gateway = KannelSmsGateway(f"http://127.0.0.1:{free_port()}", USERNAME, PASSWORD, timeout=3)
    with pytest.raises(NotificationFailed) as e:
        await gateway.send(PHONE, "x")
    assert e.value.code == "sms.unreachable" and e.value.retryable


async def test_number_not_in_e164_is_refused_for_good():
    gateway = KannelSmsGateway("http://127.0.0.1:1", USERNAME, PASSWORD)
    with pytest.raises(NotificationFailed) as e:
        await gateway.send("064 123 4567", "x")
    assert (e.value.code, e.value.retryable) == ("sms.bad_number", False)


def test_kannel_asks_for_ucs2_only_when_needed():
    gateway = KannelSmsGateway("http://h:13013/", "u", "p", sender="NoviSad")
    assert gateway.url == "http://h:13013/cgi-bin/sendsms"
    assert gateway.params(PHONE, "Тикет")["coding"] == "2"
    latin = gateway.params(PHONE, "Ticket")
    assert "coding" not in latin and latin["charset"] == "UTF-8" and latin["from"] == "NoviSad"
