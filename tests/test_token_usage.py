"""When an API token was last used is written off the request path: to the minute, at the flush,
and once a minute however busy the token is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select

from sign_in_support import ANN, START, Clock, seed_people
from zones.auth.tokens import issue_token
from zones.db import Database
from zones.models import ApiToken
from zones.server.app import create_app
from zones.server.state import AppState
from zones.settings import Settings


@pytest.fixture
async def token(db: Database, tmp_path: Path) -> str:
    await seed_people(db, tmp_path)
    async with db.write_session() as session:
        issued, _ = await issue_token(session, ANN, "usage")
    return issued


@pytest.fixture
async def client(db: Database, token: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    url = db.engine.url.render_as_string(hide_password=False)
    clock = Clock()
    app = create_app(Settings(database_url=url, release_interval_s=0), clock=clock)
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def last_used(db: Database) -> datetime | None:
    async with db.read_session() as session:
        return (await session.scalars(select(ApiToken.last_used_at))).one()


async def test_last_use_is_written_to_the_minute_at_the_flush_and_once_a_minute(
    db: Database,
    token: str,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    state = AppState.of(client.app)
    clock: Clock = state.clock  # type: ignore[assignment]
    updates: list[str] = []

    def count_token_updates(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
            updates.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count_token_updates)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        clock.now = START + timedelta(seconds=10)
        assert (await client.get("/me", headers=headers)).status_code == 200
        assert await last_used(db) is None, "a request only takes a note; nothing is written on its path"
        assert updates == []

        # The flush the background task makes every minute (here through the test's own engine:
        # the app's runs on the test client's event loop).
        await state.usage.flush(db, state.sessions)  # type: ignore[arg-type]
        assert await last_used(db) == START, "the minute of use"
        assert len(updates) == 1

        for second in (20, 40, 59):  # busy within the same minute
            clock.now = START + timedelta(seconds=second)
            assert (await client.get("/me", headers=headers)).status_code == 200
        await state.usage.flush(db, state.sessions)  # type: ignore[arg-type]
        assert len(updates) == 1, "the minute is written once"
        assert await last_used(db) == START

        clock.now = START + timedelta(minutes=1, seconds=5)
        assert (await client.get("/me", headers=headers)).status_code == 200
        assert (await client.get("/me", headers=headers)).status_code == 200
        await state.usage.flush(db, state.sessions)  # type: ignore[arg-type]
        assert len(updates) == 2, "one write for the next minute, however many requests"
        assert await last_used(db) == START + timedelta(minutes=1)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count_token_updates)
