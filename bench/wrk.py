"""Run wrk (a compiled HTTP load generator) with bench/requests.lua and read what it measured.

Two ways to send a request file (`token<TAB>json body` per line, see bench/office.py):
  timed: round and round for a number of seconds (wrk's -d); throughput over that time.
  once:  every line exactly once; the run ends when the last one is answered (or at a limit),
         and its time is from the first thread's start to the last answer.

Latencies are wrk's own histogram (microseconds, shared by its threads). wrk 4.1 adjusts that
histogram for coordinated omission before the script's done() reads it, as it does for its own
report, so the percentiles here are the ones `wrk --latency` would print.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("requests.lua")
TIMEOUT_S = 30
"""wrk counts an answer slower than this as a timeout and leaves it out of the latencies."""


class WrkFailed(RuntimeError):
    """wrk did not run, or printed no result."""


def ensure_wrk() -> str:
    """The path of wrk; installs Debian's package when missing and running as root, else exits."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not installed; installing it: apt-get install -y wrk", flush=True)
        if subprocess.run(["apt-get", "install", "-y", "wrk"], check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], check=False)
            subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("error: this bench drives load with wrk; install it with `apt-get install wrk` (Debian/Ubuntu)")


def wrk_version(wrk: str) -> str:
    """What `wrk -v` says about itself, e.g. `wrk debian/4.1.0-3+b2 [epoll]`."""
    shown = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    return (shown.stdout or shown.stderr).splitlines()[0].split(" Copyright")[0].strip()


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: what was sent, what came back, how fast."""

    connections: int
    lines: int
    """Requests in the file."""
    seconds: float
    """Timed: wrk's run time. Once: first thread's start to the last answer (or to the limit)."""
    answered: int
    statuses: dict[int, int]
    problems: dict[str, int]
    """`"409 desk-taken"` → count: problem types of the answers other than 2xx."""
    alternatives: int
    """409 answers that list at least one alternative."""
    latency_ms: dict[str, float]
    """p50, p90, p99, max and mean."""
    socket_errors: dict[str, int]
    extra: int
    """Once: requests resent by wrk after a connection error (a GET /health, not a line)."""
    unexpected: str
    """The first body of an answer that was neither 2xx nor 409."""
    all_answered: bool
    """Once: every line was answered before the limit."""

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def conflicts(self) -> int:
        return self.statuses.get(409, 0)

    @property
    def others(self) -> int:
        return self.answered - self.ok - self.conflicts

    @property
    def requests_per_s(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "connections": self.connections,
            "lines": self.lines,
            "seconds": round(self.seconds, 3),
            "answered": self.answered,
            "requests_per_s": round(self.requests_per_s, 1),
            "ok_per_s": round(self.ok_per_s, 1),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "problems": self.problems,
            "conflicts_with_alternatives": self.alternatives,
            "latency_ms": self.latency_ms,
            "socket_errors": self.socket_errors,
            "extra_requests": self.extra,
            "unexpected_body": self.unexpected,
            "all_answered": self.all_answered,
        }


def run(
    wrk: str,
    url: str,
    lines: Path,
    *,
    connections: int,
    seconds: float,
    once: bool = False,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> WrkResult:
    """Send the file's requests to `url` from `connections` connections (2 wrk threads, or 1 for a
    single connection), with any further `headers`. Timed: for `seconds`. Once: each line once,
    ending at the last answer or after `seconds` at the latest."""
    count = sum(1 for _ in lines.open(encoding="utf-8"))
    threads = min(2, connections, count)
    duration = max(1, math.ceil(seconds))
    with tempfile.TemporaryDirectory(prefix="wrk-") as scratch:
        marker = Path(scratch) / "answered-"
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            f"--timeout={TIMEOUT_S}s",
            *(f"-H{name}: {value}" for name, value in (headers or {}).items()),
            "-s",
            str(SCRIPT),
            url,
            "--",
            str(lines),
            method,
            "once" if once else "loop",
            str(threads),
            str(marker),
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            stdout, stderr = _wait(process, duration, marker if once else None, threads)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return _parse(stdout, stderr, connections, count, once)


def _wait(
    process: subprocess.Popen[str], duration: int, marker: Path | None, threads: int
) -> tuple[str, str]:
    """Wait for wrk; in "once" mode end it (SIGINT: wrk reports and exits) when every thread is done."""
    hard_limit = time.monotonic() + duration + 60
    interrupted_at = 0.0
    while process.poll() is None:
        if time.monotonic() > hard_limit:
            raise WrkFailed(f"wrk did not end {duration + 60} s after it started")
        all_done = marker is not None and all(
            marker.with_name(f"{marker.name}{i}").exists() for i in range(threads)
        )
        # The threads have stopped, so the signal reaches wrk's main thread, asleep until -d;
        # signal again in case it was caught by a thread still on its way out.
        if all_done and time.monotonic() - interrupted_at > 0.5:
            process.send_signal(signal.SIGINT)
            interrupted_at = time.monotonic()
        time.sleep(0.02)
    return process.communicate()


def _parse(stdout: str, stderr: str, connections: int, count: int, once: bool) -> WrkResult:
    found = [line for line in stdout.splitlines() if line.startswith("WRK_RESULT ")]
    if not found:
        tail = (stderr.strip() or stdout.strip())[-500:]
        raise WrkFailed(f"wrk printed no result: {tail}")
    data = json.loads(found[-1].removeprefix("WRK_RESULT "))
    threads = data["threads"]
    statuses: dict[int, int] = {}
    problems: dict[str, int] = {}
    for thread in threads:
        for status, n in thread["statuses"].items():
            statuses[int(status)] = statuses.get(int(status), 0) + int(n)
        for kind, n in thread["problems"].items():
            problems[kind] = problems.get(kind, 0) + int(n)
    answered = sum(int(t["answered"]) for t in threads)
    all_answered = once and all(t["finished"] > 0 for t in threads)
    if all_answered:
        seconds = max(t["finished"] for t in threads) - min(t["started"] for t in threads)
    else:
        seconds = data["duration_us"] / 1e6
    latency = {key: round(value / 1000, 2) for key, value in data["latency_us"].items()}
    return WrkResult(
        connections=connections,
        lines=count,
        seconds=seconds,
        answered=answered,
        statuses=statuses,
        problems=dict(sorted(problems.items(), key=lambda item: -item[1])),
        alternatives=sum(int(t["alternatives"]) for t in threads),
        latency_ms=latency,
        socket_errors={key: int(n) for key, n in data["errors"].items() if key != "status" and n},
        extra=sum(int(t["extra"]) for t in threads),
        unexpected=next((t["unexpected"] for t in threads if t["unexpected"]), ""),
        all_answered=all_answered,
    )
