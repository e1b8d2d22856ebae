"""`python manage.py demo`: the simulator and the dashboard together, stopped by Ctrl-C."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.error import URLError
from urllib.request import urlopen

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Start the Flownally simulator and the dashboard (http://127.0.0.1:8000) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sim-port", type=int, default=8100)
        parser.add_argument("--conversations", type=int, default=500)

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo runs with DEBUG=true (use `make demo`).")
        expected = f"http://127.0.0.1:{options['sim_port']}/v1"
        if expected != settings.FLOWNALLY_API_URL:
            raise CommandError(
                f"FLOWNALLY_API_URL is {settings.FLOWNALLY_API_URL}; the demo simulator serves {expected}."
            )
        simulator = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "flownally_sim",
                "--port",
                str(options["sim_port"]),
                "--token",
                settings.FLOWNALLY_API_TOKEN,
                "--conversations",
                str(options["conversations"]),
            ],
        )
        try:
            self._wait_for(f"http://127.0.0.1:{options['sim_port']}/_sim/health", simulator)
            call_command("create_demo_accounts")
            self.stdout.write(
                f"Dashboard: http://127.0.0.1:{options['port']}/  "
                f"wallboard: http://127.0.0.1:{options['port']}/wallboard/  (Ctrl-C stops both)"
            )
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)

    @staticmethod
    def _wait_for(url: str, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError(
                    f"The simulator exited with code {process.returncode} (is its port free?)."
                )
            try:
                with urlopen(url, timeout=1):
                    return
            except (URLError, OSError):
                time.sleep(0.2)
        raise CommandError("The simulator did not start within 30 seconds.")
