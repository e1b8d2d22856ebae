"""The processes a run starts: the simulator, and the dashboard under gunicorn as in production.

Each runs in its own process group with its output in a log file, and is stopped (the whole
group) by the `ExitStack` it was started on, however the run ends.
"""

from __future__ import annotations

import json
import os
import re
import resource
import secrets
import signal
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from dashboard.core.processes import StartupError, free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
SIM_TOKEN = "sim-token"
# What gunicorn runs with when the Dockerfile cannot be read.
DEFAULT_GUNICORN = [
    "gunicorn",
    "dashboard.wsgi",
    "--workers",
    "2",
    "--threads",
    "8",
    "--keep-alive",
    "5",
]
# Variables of the test run or the caller's shell that must not reach a production process.
_NOT_INHERITED = ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST")
# The settings the benchmark needs to know, read from the dashboard itself.
_SETTINGS = (
    "TIMELINE_POLL_SECONDS",
    "WALLBOARD_REFRESH_SECONDS",
    "OPEN_QUEUE_REFRESH_SECONDS",
    "FLOWNALLY_CACHE_TTL_LIST",
    "FLOWNALLY_CACHE_TTL_CONVERSATION",
    "FLOWNALLY_CACHE_TTL_MESSAGES",
    "FLOWNALLY_MAX_RPS",
    "TIMELINE_TRUSTED_SECONDS",
    "DEBUG",
)


class BenchError(Exception):
    """The benchmark could not run (as opposed to: it ran and measured something bad)."""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_for(self, url: str, timeout: float = 60) -> float:
        """Seconds until `url` answers; BenchError (with the end of the log) if it does not:
        a server that cannot start means the benchmark cannot run."""
        try:
            return wait_until_up(self.popen, url, name=self.name, timeout=timeout, log=self.log)
        except StartupError as error:
            raise BenchError(str(error)) from error

    def stop(self) -> None:
        """SIGTERM to the whole group, then SIGKILL to whatever is left after 10 s."""
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=10)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)


def start(stack: ExitStack, name: str, command: list[str], env: dict, workdir: Path) -> Process:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: stopped as one, spared our Ctrl-C
        )
    process = Process(name, popen, log)
    stack.callback(process.stop)
    return process


def start_simulator(
    stack: ExitStack, workdir: Path, *, conversations: int, latency_ms: int, seed: int
) -> tuple[Process, str]:
    """A simulator on a free port, its clock frozen and without background traffic (so
    that nothing changes unless a scenario changes it), and its root URL."""
    port = free_port()
    command = [
        sys.executable,
        "manage.py",
        "flownally_sim",
        "--port",
        str(port),
        "--conversations",
        str(conversations),
        "--latency-ms",
        str(latency_ms),
        "--traffic",
        "0",
        "--frozen-clock",
        "--seed",
        str(seed),
    ]
    # The simulator command is a management command, so it needs settings; development ones
    # do (it reads none of them).
    env = _inherited_env() | {"DEBUG": "true", "LOG_LEVEL": "WARNING"}
    process = start(stack, "simulator", command, env, workdir)
    root = f"http://127.0.0.1:{port}"
    process.wait_for(f"{root}/_sim/health", timeout=120)
    return process, root


def choose_cache(redis_url: str | None) -> tuple[str, str]:
    """(CACHE_URL, description): Redis, flushed, when it answers; else local memory."""
    if redis_url:
        import redis

        try:
            connection = redis.Redis.from_url(redis_url, socket_connect_timeout=1)
            connection.ping()
            connection.flushdb()
        except redis.RedisError as error:
            reason = f"Redis at {redis_url} did not answer ({error})"
        else:
            return redis_url, f"Redis {redis_url} (shared by the workers; flushed at start)"
    else:
        reason = "no Redis URL given"
    return (
        "locmemcache://flownally-bench",
        f"LOCAL MEMORY, {reason}: each gunicorn worker has its own cache, "
        "so cross-worker sharing (single-flight, the wallboard snapshot) is not measured",
    )


def dashboard_env(workdir: Path, sim_root: str, cache_url: str, max_rps: int = 0) -> dict[str, str]:
    """Production settings (DEBUG off) pointing at the simulator, on a fresh SQLite file,
    with a Flownally request budget of `max_rps` (0: none). Cookies without the Secure
    flag: the benchmark talks plain HTTP to loopback."""
    return _inherited_env() | {
        "FLOWNALLY_MAX_RPS": str(max_rps),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + secrets.token_hex(24),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FLOWNALLY_API_URL": f"{sim_root}/v1",
        "FLOWNALLY_API_TOKEN": SIM_TOKEN,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "CACHE_URL": cache_url,
        "SECURE_COOKIES": "false",
    }


def raise_open_files(needed: int) -> int:
    """Raise this process's soft limit of open files towards `needed` (the processes it
    starts inherit it: wrk holds a socket per viewer, gunicorn's workers one per client);
    returns the limit now in force, which the hard limit may keep below `needed`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        soft = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def _inherited_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}


def manage(args: list[str], env: dict[str, str]) -> str:
    finished = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if finished.returncode != 0:
        raise BenchError(f"manage.py {args[0]} failed:\n{finished.stderr[-3000:]}")
    return finished.stdout


def prepare_dashboard(env: dict[str, str], username: str, password: str) -> dict:
    """Migrate, collect static files (production serves them hashed, through whitenoise),
    create a Supervisor account; returns the settings the benchmark needs to know."""
    manage(["migrate", "--noinput"], env)
    manage(["collectstatic", "--noinput"], env)
    code = f"""
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
user = get_user_model().objects.create_user({username!r}, password={password!r})
user.groups.add(Group.objects.get(name="Supervisor"))
print("SETTINGS " + json.dumps({{name: getattr(settings, name) for name in {_SETTINGS!r}}}))
"""
    out = manage(["shell", "--no-imports", "-c", code], env)
    line = next((ln for ln in out.splitlines() if ln.startswith("SETTINGS ")), None)
    if line is None:
        raise BenchError(f"could not read the dashboard's settings:\n{out[-2000:]}")
    return json.loads(line.removeprefix("SETTINGS "))


def gunicorn_args(dockerfile: Path = ROOT / "Dockerfile") -> list[str]:
    """gunicorn's arguments in the Dockerfile's CMD (workers, threads, access log), less
    the address it binds."""
    command = DEFAULT_GUNICORN
    try:
        found = re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile.read_text(), re.M)
        if found:
            command = json.loads(found[1])
    except (OSError, ValueError):
        pass
    args = list(command[1:])
    if "--bind" in args:
        del args[args.index("--bind") : args.index("--bind") + 2]
    return args


def start_dashboard(stack: ExitStack, workdir: Path, env: dict[str, str]) -> tuple[Process, str]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", *gunicorn_args(), "--bind", f"127.0.0.1:{port}"]
    process = start(stack, "gunicorn", command, env, workdir)
    base = f"http://127.0.0.1:{port}"
    process.wait_for(f"{base}/healthz")
    return process, base


def code_version() -> str:
    """The commit measured, marked -dirty when the working tree has changes."""
    finished = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return finished.stdout.strip() or "unknown"


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the children of its master."""
    return sorted(pid for pid, status in _statuses() if int(status.get("PPid", "0")) == master_pid)


def worker_rss_kib(master_pid: int) -> dict[int, int]:
    """VmRSS (KiB) of each of gunicorn's workers."""
    return {
        pid: int(status["VmRSS"].split()[0])
        for pid, status in _statuses()
        if int(status.get("PPid", "0")) == master_pid and "VmRSS" in status
    }


def rss_kib(pids: list[int]) -> dict[int, int]:
    """VmRSS (KiB) of each of these processes that still runs: cheaper than
    `worker_rss_kib` for sampling, which reads every process's status."""
    found = {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        line = next((ln for ln in text.splitlines() if ln.startswith("VmRSS:")), None)
        if line:
            found[pid] = int(line.split()[1])
    return found


def _statuses() -> list[tuple[int, dict[str, str]]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "status").read_text()
            except OSError:
                continue
            fields = (line.split(":", 1) for line in text.splitlines() if ":" in line)
            found.append((int(entry.name), {k: v.strip() for k, v in fields}))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system, every thread) the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # the name may hold spaces
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")
