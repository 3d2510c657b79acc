"""The floor-plan page beside the availability API, on the same 500-desk floor.

    .venv/bin/python bench/floorplan.py [--rounds 3] [--seconds 10] [--workers N] [--json out.json]

Targets (issue 13): the plan page of a 500-desk floor renders in ≤ 100 ms median on the server
(measured at one client, so the median is the server's time plus a loopback hop), and the page
with its CSS and scripts transfers ≤ 150 kB compressed (the bytes the server sends a browser that
accepts gzip, as every browser does; the timed requests accept gzip too, so compressing is timed).
It runs on a scratch PostgreSQL database with the bench's generated office (bench/office.py: floors
of 500 desks), half of floor 0 booked for the measured day; wrk sends the requests (bench/wrk.py).
Rounds interleave the page and `GET /availability` of the same floor, and the table shows medians.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import statistics
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

import office
import servers
import wrk
from booking_load import ADMIN_URL, _admin
from zones.db import create_database

PLAN_TARGET_MS = 100.0
TRANSFER_TARGET_KB = 150.0
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


BROWSER_HEADERS = {"Accept": "text/html", "Accept-Encoding": "gzip"}


def _get(url: str, token: str) -> tuple[bytes, bytes]:
    """(the bytes as sent, as decompressed) of a GET as a browser makes it."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", **BROWSER_HEADERS})
    with urllib.request.urlopen(request, timeout=30) as answer:
        sent = bytes(answer.read())
        packed = answer.headers.get("Content-Encoding") == "gzip"
    return sent, gzip.decompress(sent) if packed else sent


def transfer_kb(base: str, page_path: str, token: str) -> tuple[float, float, int]:
    """The page and every stylesheet and script it loads: (kB decompressed, kB sent, desks on the
    page)."""
    html = _get(base + page_path, token)
    page = html[1].decode()
    parts = [html] + [_get(base + asset, token) for asset in sorted(set(ASSET.findall(page)))]
    raw = sum(len(p[1]) for p in parts) / 1024
    sent = sum(len(p[0]) for p in parts) / 1024
    return raw, sent, page.count('href="/plan/book?')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    wrk_path = wrk.ensure_wrk()
    name = f"zones_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(ADMIN_URL).set(drivername="postgresql", database=name).render_as_string(False)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="zones-floorplan-") as scratch, asyncio.Runner() as runner:
        folder = Path(scratch)
        runner.run(_admin(f'CREATE DATABASE "{name}"'))
        database = create_database(url, pool_size=2)
        try:
            servers.zones_upgrade(url, folder)
            generated = runner.run(office.generate(database))
            day = office.next_week()[2]
            zones = servers.start_zones(url, args.workers, folder)
            try:
                fill = office.write_lines(folder / "fill.txt", office.fill_floor(generated, 0, day))
                wrk.run(wrk_path, zones.url + "/bookings", fill, connections=8, seconds=60, once=True)
                token = generated.people[0].token
                floor = generated.floor_ids[0]
                paths = {
                    "plan page": f"/plan?day={day}&floor={floor}",
                    "availability API": (
                        f"/availability?site_id={generated.site_id}&day={day}&floor_id={floor}"
                    ),
                }
                raw, packed, desks = transfer_kb(zones.url, paths["plan page"], token)
                lines = office.write_lines(folder / "get.txt", [(token, "")] * 16)
                runs: dict[str, list[Any]] = {label: [] for label in paths}
                for path in paths.values():  # warm-up: caches filled, statements prepared
                    wrk.run(wrk_path, zones.url + path, lines, connections=1, seconds=3, method="GET")
                for round_ in range(1, args.rounds + 1):
                    for label, path in paths.items():
                        result = wrk.run(
                            wrk_path,
                            zones.url + path,
                            lines,
                            connections=1,
                            seconds=args.seconds,
                            method="GET",
                            headers={"Accept-Encoding": "gzip"},
                        )
                        runs[label].append(result)
                        print(
                            f"round {round_} {label:<17} p50 {result.latency_ms['p50']:6.1f} ms  "
                            f"p99 {result.latency_ms['p99']:6.1f} ms  {result.requests_per_s:6.0f}/s  "
                            f"non-2xx {result.answered - result.ok}",
                            flush=True,
                        )
            finally:
                servers.stop(zones)
        finally:
            runner.run(database.dispose())
            runner.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"\nfloor 0 of the generated office: {desks} desks drawn on the page, half of them booked on {day}")
    print(f"{'request (1 client)':<20} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    for label, measured in runs.items():
        p50 = statistics.median(r.latency_ms["p50"] for r in measured)
        p99 = statistics.median(r.latency_ms["p99"] for r in measured)
        rate = statistics.median(r.requests_per_s for r in measured)
        results[label] = {"p50_ms": p50, "p99_ms": p99, "requests_per_s": rate}
        print(f"{label:<20} {p50:8.1f} {p99:8.1f} {rate:7.0f}")
    plan_p50 = results["plan page"]["p50_ms"]
    print(
        f"plan page p50 {plan_p50:.1f} ms (target ≤ {PLAN_TARGET_MS:.0f}): "
        f"{'pass' if plan_p50 <= PLAN_TARGET_MS else 'FAIL'}"
    )
    print(
        f"page + CSS + scripts: {raw:.0f} kB, {packed:.0f} kB sent gzip-compressed by Zones "
        f"(target ≤ {TRANSFER_TARGET_KB:.0f}): "
        f"{'pass' if packed <= TRANSFER_TARGET_KB else 'FAIL'}"
    )
    results["transfer_kb"] = {"raw": round(raw, 1), "gzip": round(packed, 1), "desks": desks}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
