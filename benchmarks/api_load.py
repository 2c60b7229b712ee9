#!/usr/bin/env python3
"""Load the credit-request API: submissions per second, queue-claim latency, no lost rows.

Usage: python benchmarks/api_load.py [--submissions 3000] [--clients 16] [--reviewers 4]
           [--bulk N] [--seconds 60] [--server-workers N] [--database-url URL]

Starts ``uvicorn callcredit.main:create_app --factory`` on 127.0.0.1 (a free port) with a
temporary SQLite database (or --database-url), seeds businesses, billed calls, business
API keys and reviewer tokens, then:

1. submissions: ``--clients`` concurrent httpx clients POST /api/credit-requests, one call
   each (or ``--bulk N`` calls a POST to /api/credit-requests/bulk), until every call has a
   request or ``--seconds`` pass; latencies are per HTTP request;
2. the submitted requests are marked analysed (as the analyze job would; no worker runs);
3. claims: ``--reviewers`` concurrent reviewers POST /api/queue/claim until the queue is empty;
4. checks: every 201 is one stored request, no call has two, every request was claimed
   exactly once, and nothing is left in the queue.

Targets (SQLite, 2 cores): >= 200 submissions/s and claim p99 < 100 ms. ``server_cpu_ms_each``
is the server process's CPU time per submission or claim, a figure that holds whatever else
runs on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select, update
from sqlmodel import Session

from callcredit.calls.models import Business, Call
from callcredit.credits.models import CreditRequest, RequestStatus
from callcredit.database import init_db, make_engine, utcnow
from callcredit.identity import service as identity
from callcredit.identity.models import Role, User

TARGET_SUBMISSIONS_PER_S = 200.0
TARGET_CLAIM_P99_MS = 100.0


@dataclass
class Seed:
    """What the benchmark created before the server took load."""

    calls: list[tuple[str, str]]  # (call_id, business API key)
    reviewer_keys: list[str]


@dataclass
class Timings:
    """Latencies in seconds and how each request ended."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    ids: list[int] = field(default_factory=list)

    def percentile(self, fraction: float) -> float:
        """Return the nearest-rank percentile in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = max(0, min(len(ordered) - 1, int(fraction * len(ordered) + 0.999999) - 1))
        return ordered[index] * 1000


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process used so far; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_cores(seconds: float = 2.0) -> float | None:
    """Return how many cores were busy over a short sample (others' load before the run)."""

    def sample() -> list[int]:
        return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]

    try:
        before = sample()
        time.sleep(seconds)
        after = sample()
    except OSError:
        return None
    delta = [b - a for a, b in zip(before, after, strict=True)]
    idle = delta[3] + delta[4]  # idle + iowait
    return round((1 - idle / max(1, sum(delta))) * (os.cpu_count() or 1), 2)


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database_url: str, calls: int, businesses: int, reviewers: int) -> Seed:
    """Create businesses with recent billed calls, their API keys and reviewer API keys."""
    engine = make_engine(database_url)
    init_db(engine)
    now = utcnow()
    made: list[tuple[str, str]] = []
    with Session(engine, expire_on_commit=False) as session:
        keys = {}
        for b in range(businesses):
            business = Business(id=f"load-{b}", name=f"Load {b}", category="plumbing")
            session.add(business)
            session.flush()
            keys[business.id] = identity.create_api_key(session=session, business_id=business.id)[1]
        for n in range(calls):
            business_id = f"load-{n % businesses}"
            session.add(
                Call(
                    call_id=f"load-call-{n}",
                    business_id=business_id,
                    caller_number=f"+1916555{n:04d}",
                    called_at=now - timedelta(hours=1),
                    billed_cents=4500,
                    recording_path=f"load/{n}.wav",
                    recording_sha256=f"{n:064x}",
                )
            )
            made.append((f"load-call-{n}", keys[business_id]))
        reviewer_keys = []
        for r in range(reviewers):
            # A stored hash is all a user row needs here; the benchmark never signs in.
            user = User(username=f"load-reviewer-{r}", role=Role.reviewer, password_hash="-")
            session.add(user)
            session.flush()
            reviewer_keys.append(identity.create_api_key(session=session, user_id=user.id)[1])
        session.commit()
    engine.dispose()
    return Seed(made, reviewer_keys)


def start_server(
    database_url: str, workdir: Path, port: int, workers: int = 1
) -> subprocess.Popen[bytes]:
    """Start uvicorn on the app factory and wait until /healthz answers."""
    env = {
        **os.environ,
        "CALLCREDIT_DATABASE_URL": database_url,
        "CALLCREDIT_RECORDINGS_DIR": str(workdir / "recordings"),
    }
    command = [
        sys.executable, "-m", "uvicorn", "callcredit.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers),
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=workdir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start within 60 s")


def batches(work: list[tuple[str, str]], size: int) -> list[tuple[str, list[str]]]:
    """Group (call_id, key) pairs into per-business batches of at most `size` calls."""
    by_key: dict[str, list[str]] = {}
    for call_id, key in work:
        by_key.setdefault(key, []).append(call_id)
    return [
        (key, ids[i : i + size]) for key, ids in by_key.items() for i in range(0, len(ids), size)
    ]


async def submit_all(
    base: str, work: list[tuple[str, str]], clients: int, seconds: float, bulk: int
) -> Timings:
    """Submit one credit request per call from `clients` concurrent clients (or in bulk)."""
    timings = Timings()
    queue: asyncio.Queue[tuple[str, list[str]]] = asyncio.Queue()
    for item in batches(work, max(bulk, 1)):
        queue.put_nowait(item)
    stop_at = time.monotonic() + seconds

    async def post(client: httpx.AsyncClient, key: str, call_ids: list[str]) -> list[int]:
        """Submit the calls; return the ids of the requests created."""
        items = [{"call_id": c, "reason": "spam", "note": "load test"} for c in call_ids]
        auth = {"Authorization": f"Bearer {key}"}
        if bulk:
            response = await client.post(
                "/api/credit-requests/bulk", json={"items": items}, headers=auth
            )
            timings.statuses[response.status_code] += 1
            rows = response.json()["results"] if response.status_code == 200 else []
            return [row["id"] for row in rows if row["status"] == 201]
        response = await client.post("/api/credit-requests", json=items[0], headers=auth)
        timings.statuses[response.status_code] += 1
        return [response.json()["id"]] if response.status_code == 201 else []

    async def client_loop(client: httpx.AsyncClient) -> None:
        """Take batches off the shared queue until it is empty or time is up."""
        while time.monotonic() < stop_at:
            try:
                key, call_ids = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            timings.ids.extend(await post(client, key, call_ids))
            timings.latencies.append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
    return timings


async def claim_all(base: str, keys: list[str], seconds: float) -> Timings:
    """Have every reviewer claim until the queue answers 204 (empty)."""
    timings = Timings()
    stop_at = time.monotonic() + seconds

    async def reviewer_loop(client: httpx.AsyncClient, key: str) -> None:
        """Claim back to back until the queue answers 204 or time is up."""
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            response = await client.post(
                "/api/queue/claim", headers={"Authorization": f"Bearer {key}"}
            )
            timings.latencies.append(time.perf_counter() - started)
            timings.statuses[response.status_code] += 1
            if response.status_code != 200:
                return
            timings.ids.append(response.json()["id"])

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.gather(*(reviewer_loop(client, key) for key in keys))
    return timings


def mark_analysed(database_url: str) -> int:
    """Move every received request to ready, as finished analyze jobs would."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        moved = session.execute(
            update(CreditRequest)
            .where(CreditRequest.status == RequestStatus.received)
            .values(status=RequestStatus.ready)
        ).rowcount  # type: ignore[attr-defined]
        session.commit()
    engine.dispose()
    return moved


def check(database_url: str, submitted: Timings, claimed: Timings) -> dict[str, object]:
    """Compare what the clients saw with what the database holds."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        stored = list(session.execute(select(CreditRequest.id)).scalars())
        calls_twice = session.execute(
            select(func.count())
            .select_from(CreditRequest)
            .group_by(CreditRequest.call_pk)
            .having(func.count() > 1)
        ).all()
        left = session.execute(
            select(func.count()).where(CreditRequest.status == RequestStatus.ready)
        ).scalar_one()
    engine.dispose()
    claims = Counter(claimed.ids)
    return {
        "stored": len(stored),
        "lost": len(set(submitted.ids) - set(stored)),
        "unexpected": len(set(stored) - set(submitted.ids)),
        "duplicate_submissions": len(submitted.ids) - len(set(submitted.ids)),
        "calls_with_two_requests": len(calls_twice),
        "claimed_twice": sum(1 for n in claims.values() if n > 1),
        "never_claimed": len(set(stored) - set(claims)),
        "left_in_queue": left,
    }


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=3000, help="calls to submit")
    parser.add_argument("--businesses", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16, help="concurrent submitters")
    parser.add_argument("--reviewers", type=int, default=4, help="concurrent claimers")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per phase")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite")
    parser.add_argument("--server-workers", type=int, default=1, help="uvicorn processes")
    parser.add_argument(
        "--bulk", type=int, default=0, help="submit N calls a request via /bulk (0: one by one)"
    )
    return parser.parse_args()


def client_cpu_seconds() -> float:
    """Return the CPU time (user + system) this process, the load clients, used so far."""
    times = os.times()
    return times.user + times.system


def phase_figures(
    timings: Timings, wall: float, cpu: float, client_cpu: float, count: int
) -> dict[str, object]:
    """Summarise one phase: rate, latency percentiles and server and client CPU per item."""
    return {
        "ok": len(timings.ids),
        "statuses": dict(timings.statuses),
        "per_second": round(len(timings.ids) / wall, 1),
        "p50_ms": round(timings.percentile(0.5), 1),
        "p99_ms": round(timings.percentile(0.99), 1),
        # Server CPU per item: what the figures cost, whatever else ran on the machine.
        "server_cpu_ms_each": round(1000 * cpu / max(1, count), 2),
        # The clients run on the same cores as the server: their share of the machine.
        "client_cpu_ms_each": round(1000 * client_cpu / max(1, count), 2),
        "seconds": round(wall, 2),
    }


def run_phases(args: argparse.Namespace, url: str, workdir: Path) -> dict[str, object]:
    """Seed, start the server, submit, claim, stop; return the figures and the checks."""
    seeded = seed(url, args.submissions, args.businesses, args.reviewers)
    port = free_port()
    server = start_server(url, workdir, port, args.server_workers)
    base = f"http://127.0.0.1:{port}"
    try:
        started, cpu = time.perf_counter(), cpu_seconds(server.pid)
        client_cpu = client_cpu_seconds()
        submitted = asyncio.run(
            submit_all(base, seeded.calls, args.clients, args.seconds, args.bulk)
        )
        submit = phase_figures(
            submitted,
            time.perf_counter() - started,
            cpu_seconds(server.pid) - cpu,
            client_cpu_seconds() - client_cpu,
            len(submitted.ids),
        )
        mark_analysed(url)
        started, cpu = time.perf_counter(), cpu_seconds(server.pid)
        client_cpu = client_cpu_seconds()
        claimed = asyncio.run(claim_all(base, seeded.reviewer_keys, args.seconds))
        claim = phase_figures(
            claimed,
            time.perf_counter() - started,
            cpu_seconds(server.pid) - cpu,
            client_cpu_seconds() - client_cpu,
            len(claimed.latencies),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "submissions": {**submit, "clients": args.clients, "bulk": args.bulk},
        "claims": {**claim, "reviewers": args.reviewers},
        "checks": check(url, submitted, claimed),
    }


def main() -> int:
    """Run both phases and print the figures as JSON; exit 1 if a check fails."""
    args = parse_args()
    others = busy_cores()
    with tempfile.TemporaryDirectory(prefix="callcredit-load-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'load.db'}"
        figures = run_phases(args, url, Path(tmp))
    report = {
        "database": url.split(":", 1)[0],
        "cores": os.cpu_count(),
        # Cores other processes kept busy just before the run: the figures share the machine.
        "busy_cores_before": others,
        **figures,
    }
    print(json.dumps(report, indent=2))
    checks: dict[str, int] = figures["checks"]  # type: ignore[assignment]
    if any(value for key, value in checks.items() if key != "stored"):
        print("FAIL: lost, duplicated or unclaimed requests", file=sys.stderr)
        return 1
    submit: dict[str, float] = figures["submissions"]  # type: ignore[assignment]
    claim: dict[str, float] = figures["claims"]  # type: ignore[assignment]
    if submit["per_second"] < TARGET_SUBMISSIONS_PER_S or claim["p99_ms"] >= TARGET_CLAIM_P99_MS:
        print("below target: >= 200 submissions/s and claim p99 < 100 ms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
