"""`kontakt notify list/retry/test/worker` against a real SMTP server."""

from __future__ import annotations

import asyncio

import pytest
import structlog

from infra.db import make_engine, make_sessionmaker
from kontakt.channels.kannel_box import free_port
from kontakt.cli import main
from kontakt.migrate import upgrade
from tickets.notify.jobs import enqueue


async def _seed(url: str) -> None:
    await upgrade(url)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    async with sm() as session, session.begin():
        await enqueue(session, ticket_number="NS-2027-000007", event_id="e7", status="cancelled",
                      language="en", phone=None, email="citizen@example.org",
                      outcome="Reported twice.")
    await engine.dispose()


@pytest.fixture(autouse=True)
def _reset_logging():
    # `notify worker` configures structlog onto this test's captured stderr.
    yield
    structlog.reset_defaults()


def test_list_worker_retry_and_test(tmp_path, monkeypatch, capsys, smtp_server):
    url = f"sqlite+aiosqlite:///{tmp_path}/k.db"
    asyncio.run(_seed(url))
    monkeypatch.setenv("KONTAKT_DATABASE_URL", url)
    monkeypatch.setenv("KONTAKT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KONTAKT_SMTP_PORT", str(smtp_server.port))

    assert main(["notify", "list", "NS-2027-000007"]) == 0
    assert "email\tcitizen@example.org\tcancelled\tpending" in capsys.readouterr().out
    assert main(["notify", "worker", "--once"]) == 0
    assert "tried 1" in capsys.readouterr().out
    assert "Reported twice." in smtp_server.inbox.messages[0].get_content()
    assert main(["notify", "list", "NS-2027-000007"]) == 0
    assert "\tsent\tattempts=1" in capsys.readouterr().out

    assert main(["notify", "retry", "1"]) == 2  # sent: nothing to retry
    assert main(["notify", "retry", "99"]) == 2
    err = capsys.readouterr().err
    assert "cannot take event 'rearm'" in err and "no notification 99" in err

    assert main(["notify", "test", "--email", "admin@example.org", "--lang", "sr"]) == 0
    assert "пробна порука" in smtp_server.inbox.messages[1].get_content()
    assert main(["notify", "test", "--sms", "+381641234567"]) == 2
    assert "no SMS gateway" in capsys.readouterr().err

    monkeypatch.setenv("KONTAKT_SMTP_PORT", str(free_port()))
    assert main(["notify", "test", "--email", "admin@example.org"]) == 2
    err = capsys.readouterr().err
    assert "not sent: email.unreachable" in err and "Traceback" not in err
