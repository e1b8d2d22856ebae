"""What the fault probe runs on: a PostgreSQL database and a Redis server of its own, the
simulator, gunicorn instances sharing them (production settings), and accounts with their
sessions ready. Everything is registered on an ExitStack, so it is stopped or dropped
however the run ends.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from bench import processes
from bench.processes import BenchError, Process
from bench.scenarios import Dashboard, sign_in
from bench.tenant import Sim
from dashboard.core.processes import free_port

REDIS_SERVER = "/usr/bin/redis-server"
_NO_PERSISTENCE = ("--save", "", "--appendonly", "no")
POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
SUPERVISOR = "probe-supervisor"
SIGNER = "probe-signer"  # signs in again and again (item 8)
TARGET = "probe-target"  # the account guessed at (item 4)


@dataclass
class RedisServer:
    """A redis-server without persistence on a port of its own; killed (SIGKILL, even when
    stopped) by the stack. `restart` starts a new one on the same port."""

    port: int
    workdir: Path
    popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("ab")
        self.popen = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", *_NO_PERSISTENCE],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.RedisError:
                if self.popen.poll() is not None:
                    break
                time.sleep(0.05)
        raise BenchError(f"redis-server on port {self.port} did not start")

    def signal(self, signum: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signum)

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), workdir)
    try:
        server.start()
        yield server
    finally:
        server.kill()


@contextmanager
def database(name: str) -> Iterator[str]:
    """A new database on the local PostgreSQL, dropped afterwards (its connections too)."""
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def commits(name: str) -> int:
    """Transactions committed in database `name` so far (pg_stat_database)."""
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


# Accounts made in one go (one password hash for all) and sessions created directly: 100
# sign-ins through the form would cost a password hash each.
_ACCOUNTS = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from dashboard.wallboard.models import KioskLink
User = get_user_model()
hashed = make_password({password!r})
viewers = User.objects.bulk_create(
    [User(username=f"probe-viewer-{{i}}", password=hashed) for i in range({viewers})]
)
lead = Group.objects.get(name="Team lead")
Group.objects.get(name="Viewer").user_set.add(*viewers)
for name in ({signer!r}, {target!r}):
    User.objects.create(username=name, password=hashed).groups.add(lead)
Store = import_module(settings.SESSION_ENGINE).SessionStore
sessions = []
for user in viewers:
    store = Store()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "dashboard.accounts.backends.CachedModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    sessions.append(store.session_key)
_, token = KioskLink.create("probe screen", User.objects.get(username={supervisor!r}))
print("ACCOUNTS " + json.dumps({{"sessions": sessions, "kiosk": token}}))
"""


@dataclass
class Rig:
    sim: Sim
    db_name: str
    redis: RedisServer
    gunicorns: list[Process]
    bases: list[str]  # one per instance
    supervisor: Dashboard  # signed in on the first instance
    password: str
    sessions: list[str]  # session keys of the viewer accounts
    kiosk: str
    settings: dict
    conversations: list[str] = field(default_factory=list)
    assignee: str = ""  # a team member to reassign to
    # Each instance's liveness port (HEALTH_PORT, served by gunicorn's master), as the
    # Dockerfile's HEALTHCHECK asks it.
    liveness: list[str] = field(default_factory=list)

    def base(self, i: int) -> str:
        return self.bases[i % len(self.bases)]


def _say(text: str) -> None:
    print(text, flush=True)


def build(
    stack: ExitStack,
    workdir: Path,
    *,
    instances: int,
    viewers: int,
    conversations: int,
    latency_ms: int,
) -> Rig:
    db_name = f"probe_{os.getpid()}"
    db_url = stack.enter_context(database(db_name))
    server = stack.enter_context(redis_server(workdir))
    _say(f"PostgreSQL database {db_name}; Redis on port {server.port}")
    _, sim_root = processes.start_simulator(
        stack, workdir, conversations=conversations, latency_ms=latency_ms, seed=7
    )
    env = processes.dashboard_env(workdir, sim_root, server.url) | {"DATABASE_URL": db_url}
    password = secrets.token_urlsafe(16)
    _say("Dashboard: migrate, collectstatic, accounts")
    settings = processes.prepare_dashboard(env, SUPERVISOR, password)
    code = _ACCOUNTS.format(
        password=password, viewers=viewers, signer=SIGNER, target=TARGET, supervisor=SUPERVISOR
    )
    out = processes.manage(["shell", "--no-imports", "-c", code], env)
    line = next((ln for ln in out.splitlines() if ln.startswith("ACCOUNTS ")), None)
    if line is None:
        raise BenchError(f"could not create the accounts:\n{out[-2000:]}")
    accounts = json.loads(line.removeprefix("ACCOUNTS "))
    gunicorns, bases, liveness = [], [], []
    for i in range(instances):
        port, health_port = free_port(), free_port()
        command = [sys.executable, "-m", "gunicorn", *processes.gunicorn_args()]
        own_env = env | {"HEALTH_PORT": str(health_port), "HEALTH_HOST": "127.0.0.1"}
        process = processes.start(
            stack, f"gunicorn-{i}", [*command, "--bind", f"127.0.0.1:{port}"], own_env, workdir
        )
        base = f"http://127.0.0.1:{port}"
        process.wait_for(f"{base}/healthz")
        process.wait_for(f"http://127.0.0.1:{health_port}/healthz")
        gunicorns.append(process)
        bases.append(base)
        liveness.append(f"http://127.0.0.1:{health_port}")
    _say(f"{instances} x gunicorn {' '.join(processes.gunicorn_args())}")
    sim = Sim(sim_root)
    rig = Rig(
        sim=sim,
        db_name=db_name,
        redis=server,
        gunicorns=gunicorns,
        bases=bases,
        supervisor=sign_in(bases[0], SUPERVISOR, password),
        password=password,
        sessions=accounts["sessions"],
        kiosk=accounts["kiosk"],
        settings=settings,
        liveness=liveness,
    )
    rig.conversations = [
        c["id"] for c in sim.conversations() if c.get("status") in ("open", "pending")
    ]
    rig.assignee = sim.api("/users")["users"][0]["id"]
    return rig
