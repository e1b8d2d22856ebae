"""`python manage.py demo`: the simulator, the dashboard and a background worker (bulk
actions) together, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.core.management.commands.create_demo_accounts import DEMO_SEED
from dashboard.core.processes import StartupError, wait_until_up


class Command(BaseCommand):
    help = "Start the Flownally simulator and the dashboard (http://127.0.0.1:8000) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", 8000)))
        parser.add_argument("--sim-port", type=int, default=int(os.environ.get("SIM_PORT", 8100)))
        parser.add_argument("--conversations", type=int, default=500)

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo runs with DEBUG=true (use `make demo`).")
        port, sim_port = options["port"], options["sim_port"]
        # The demo always talks to its own simulator, wherever FLOWNALLY_API_URL points.
        settings.FLOWNALLY_API_URL = f"http://127.0.0.1:{sim_port}/v1"
        # SIGTERM (a supervisor process, `kill`, make passing it on) unwinds like Ctrl-C, so
        # the `finally` below stops the simulator instead of leaving it on its port.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        # Ctrl-C too, even when a script started it in the background with SIGINT ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        simulator = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "flownally_sim",
                "--port",
                str(sim_port),
                "--token",
                settings.FLOWNALLY_API_TOKEN,
                "--conversations",
                str(options["conversations"]),
                "--seed",  # the demo accounts are linked to this tenant's team members
                str(DEMO_SEED),
            ],
        )
        try:
            try:
                wait_until_up(
                    simulator, f"http://127.0.0.1:{sim_port}/_sim/health", name="The simulator"
                )
            except StartupError as error:
                raise CommandError(str(error)) from error
            call_command("create_demo_accounts")
            # A week and a day of made-up minutes, so the trends page has a last week.
            call_command("seed_trends", days=8)
            # Bulk actions run in a background worker, as in production (same settings
            # and database; `--no-reload`: stopped below, not by a reloader of its own).
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"],
                env=os.environ | {"FLOWNALLY_API_URL": settings.FLOWNALLY_API_URL},
            )
            self.stdout.write(
                f"Dashboard: http://127.0.0.1:{port}/  "
                f"wallboard: http://127.0.0.1:{port}/wallboard/  (Ctrl-C stops everything)"
            )
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            # The worker first: a job it is running may still need the simulator. It
            # finishes its current job on SIGTERM; after 10 s it is killed (the job is
            # taken over by the next worker, its items replayed, not repeated).
            for process in (worker, simulator):
                if process is None:
                    continue
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
