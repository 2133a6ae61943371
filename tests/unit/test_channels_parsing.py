"""Pure parts of the SMS and e-mail channels: ticket numbers as citizens
type them, Kannel's bytes decoded, e-mails read and checked."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from kontakt.channels.mail_parse import MailLimits, MailRefused, parse
from kontakt.channels.numbers import find_ticket_number
from kontakt.channels.sms import SmsRefused
from kontakt.channels.sms_http import decode, get_url


@pytest.mark.parametrize("text,number", [
    ("NS-2027-000123", "NS-2027-000123"),
    ("stanje ns 2027 123?", "NS-2027-000123"),
    ("Re: [NS-2026-000007] допуна", "NS-2026-000007"),
    ("предмет NS2027-45", "NS-2027-000045"),
    ("XNS-2027-000123", None),
    ("позвао сам 2027 пута", None),
    ("", None),
])
def test_ticket_numbers_as_typed(text, number):
    assert find_ticket_number(text) == number


def test_kannel_bytes_decoded_by_coding_and_charset():
    assert decode("Здраво".encode("utf-16-be"), "2", "UTF-16BE") == "Здраво"
    assert decode(b"zdravo", "0", "UTF-8") == "zdravo"
    assert decode("čćž".encode(), "0", "klingon") == "čćž"  # unknown charset: UTF-8
    with pytest.raises(SmsRefused):
        decode(b"\xd0\x28", "0", "UTF-8")
    url = get_url("kannel", "p@ss word", "127.0.0.1", 8023)
    assert url.startswith("http://kannel:p%40ss%20word@127.0.0.1:8023/kannel/sms?from=%p")


def _mail(**kw) -> bytes:
    m = EmailMessage()
    m["From"] = kw.get("frm", "Ана <Ana@Example.RS>")
    m["To"], m["Subject"] = "kontakt@novisad.rs", kw.get("subject", "Бука")
    if "html" in kw:
        m.set_content(kw["html"], subtype="html")
    else:
        m.set_content(kw.get("body", "Текст"))
    for name, ctype, data in kw.get("files", ()):
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m.as_bytes()


def test_mail_read_sender_text_and_attachments():
    mail = parse(_mail(files=[("../../etc/план.pdf", "application/pdf", b"%PDF-1")]), "x@y")
    assert mail.sender == "ana@example.rs" and mail.subject == "Бука"
    assert mail.text == "Текст"
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [
        ("план.pdf", "application/pdf", b"%PDF-1")]
    html = parse(_mail(html="<p>Пукла <b>цев</b> &amp; вода</p><script>x()</script>"), "x@y")
    assert " ".join(html.text.split()) == "Пукла цев & вода"


@pytest.mark.parametrize("raw,code", [
    (b"From: a@b.rs\r\nSubject: =?klingon?q?x?=\r\nContent-Type: text/plain; charset=klingon"
     b"\r\n\r\nQapla", "email.bad_charset"),
    (b"From: a@b.rs\r\nSubject: \xff\xfe\r\n\r\ntext", "email.bad_header"),
    (b"Subject: x\r\n\r\ntext", "email.no_sender"),
    (b"From: a@b.rs\r\n\r\n", "email.empty"),
])
def test_bad_mail_refused_with_its_reason(raw, code):
    with pytest.raises(MailRefused) as e:
        parse(raw, "")
    assert e.value.code == code and e.value.reply[:3] in ("550", "552", "554")


def test_attachment_limits():
    limits = MailLimits(10, ("application/pdf",))
    with pytest.raises(MailRefused, match="over"):
        parse(_mail(files=[("a.pdf", "application/pdf", b"x" * 11)]), "", limits)
    with pytest.raises(MailRefused, match="not accepted"):
        parse(_mail(files=[("a.exe", "application/x-msdownload", b"MZ")]), "", limits)
    with pytest.raises(MailRefused, match="at most 10"):
        parse(_mail(files=[(f"{i}.pdf", "application/pdf", b"1") for i in range(11)]), "",
              limits)
