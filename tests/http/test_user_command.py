"""`kontakt user add/list/passwd` and the no-administrator refusal."""

from __future__ import annotations

import pytest

from infra.db import make_engine, make_sessionmaker
from kontakt.cli import main
from kontakt.http.users import UserError, authenticate, require_admin


def test_user_add_list_passwd(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path}/k.db"
    monkeypatch.setenv("KONTAKT_DATABASE_URL", url)
    monkeypatch.setenv("KONTAKT_NEW_PASSWORD", "first-pass-1")
    assert main(["user", "add", "root", "--role", "admin"]) == 0
    assert main(["user", "add", "root", "--role", "admin"]) == 2
    assert main(["user", "add", "v1", "--role", "department", "--department", "nowhere"]) == 2
    assert main(["user", "add", "a7", "--role", "agent"]) == 2
    err = capsys.readouterr().err
    assert "user 'root' exists" in err and "no department 'nowhere'" in err
    assert "Traceback" not in err
    monkeypatch.setenv("KONTAKT_NEW_PASSWORD", "second-pass-2")
    assert main(["user", "passwd", "root"]) == 0
    assert main(["user", "list"]) == 0
    assert "root\tadmin" in capsys.readouterr().out

    async def check():
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        assert (await authenticate(sm, "root", "second-pass-2")) is not None
        await require_admin(sm)
        await engine.dispose()

    import asyncio

    asyncio.run(check())


async def test_require_admin_refuses_empty(sessionmaker):
    with pytest.raises(UserError) as e:
        await require_admin(sessionmaker)
    assert e.value.code == "user.no_admin"
