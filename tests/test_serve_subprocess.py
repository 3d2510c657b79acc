"""The real server, started by `zones serve --port P` in a subprocess on loopback: links in feeds and
invites name the port it runs on, and oversized requests answer 414 or 431 as problem details."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from helpers import import_csv, minimal_office, write_office
from server_support import zones_serve
from zones.auth.tokens import issue_token
from zones.db import create_database
from zones.db.migrate import upgrade
from zones.office.load import load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file
from zones.settings import Settings

PROBLEM = "application/problem+json"


@dataclass
class Server:
    base: str
    port: int
    headers: dict[str, str]


async def _seed(url: str, folder: Path) -> str:
    database = create_database(url)
    office = load_office_file(write_office(folder / "office.toml", minimal_office()))
    async with database.write_session() as session:
        await load_office(session, office, load_policy_file(default_policy_file()))
    staff = folder / "staff.csv"
    staff.write_text("email,name,home_site\nann@example.dk,Ann Holm,hq\n", encoding="utf-8")
    await import_csv(database, staff)
    async with database.write_session() as session:
        token, _ = await issue_token(session, "ann@example.dk")
    await database.dispose()
    return token


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    url = f"sqlite:///{folder / 'zones.db'}"
    upgrade(url)
    token = asyncio.run(_seed(url, folder))
    unset = {"ZONES_PUBLIC_URL", "ZONES_HOST", "ZONES_PORT", "ZONES_MAX_URL_BYTES", "ZONES_MAX_HEADER_BYTES"}
    env = {k: v for k, v in os.environ.items() if k not in unset} | {
        "ZONES_DATABASE_URL": url,
        "ZONES_DATA_DIR": str(folder),
        "ZONES_RELEASE_INTERVAL": "0",
    }
    # The log goes to a file, not a pipe: the access log of a 200 kB URL would fill one.
    with zones_serve(env, folder, "server") as base:
        yield Server(base, int(base.rsplit(":", 1)[1]), {"Authorization": f"Bearer {token}"})


def _next_working_day() -> date:
    day = date.today() + timedelta(days=1)  # the server runs on the wall clock
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def test_the_feed_url_names_the_port_the_server_runs_on(server: Server) -> None:
    response = httpx.post(f"{server.base}/calendar/feed", headers=server.headers, timeout=10)
    assert response.status_code == 201, response.text
    feed = urlparse(response.json()["url"])
    assert (feed.scheme, feed.hostname, feed.port) == ("http", "127.0.0.1", server.port)
    assert httpx.get(response.json()["url"], timeout=10).status_code == 200, "the link reaches the server"


def test_invites_link_to_the_port_the_server_runs_on(server: Server) -> None:
    desks = httpx.get(f"{server.base}/desks", params={"bookable": "true"}, headers=server.headers, timeout=10)
    desk = next(d for d in desks.json()["items"] if d["code"] == "C-1")
    booked = httpx.post(
        f"{server.base}/bookings",
        json={"desk_id": desk["id"], "day": str(_next_working_day())},
        headers=server.headers,
        timeout=10,
    )
    assert booked.status_code == 201, booked.text
    ics = httpx.get(f"{server.base}/bookings/{booked.json()['id']}.ics", headers=server.headers, timeout=10)
    unfolded = ics.text.replace("\r\n ", "")
    assert f"URL:http://127.0.0.1:{server.port}/bookings/{booked.json()['id']}" in unfolded


def _raw_get(server: Server, target: str) -> tuple[int, str, bytes]:
    """A GET sent as it is (httpx refuses URLs over 64 kB before sending them)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read()
    finally:
        connection.close()


def test_a_200_kb_query_string_answers_414_as_a_problem(server: Server) -> None:
    status, content_type, body = _raw_get(server, "/desks?attribute=" + "a" * 200_000)
    assert status == 414, body[:200]
    assert content_type == PROBLEM
    problem = json.loads(body)
    assert problem["status"] == 414
    assert f"at most {Settings.max_url_bytes}" in problem["detail"]
    assert b"aaaa" not in body


def test_headers_over_the_limit_answer_431_as_a_problem(server: Server) -> None:
    headers = {**server.headers, "X-Padding": "p" * (Settings.max_header_bytes + 1)}
    response = httpx.get(f"{server.base}/health", headers=headers, timeout=10)
    assert response.status_code == 431, response.text[:200]
    assert response.headers["content-type"] == PROBLEM
    assert f"at most {Settings.max_header_bytes}" in response.json()["detail"]


def test_requests_within_the_limits_are_served(server: Server) -> None:
    padding = "q" * (Settings.max_url_bytes - 100)
    response = httpx.get(f"{server.base}/health", params={"padding": padding}, timeout=10)
    assert response.status_code == 200, response.text[:200]
    headers = {**server.headers, "X-Padding": "p" * (Settings.max_header_bytes - 1000)}
    assert httpx.get(f"{server.base}/sites", headers=headers, timeout=10).status_code == 200
