"""gunicorn's settings for the dashboard, read from the working directory by default.

Two things a command line cannot say:
- the access log never carries a kiosk token (dashboard/core/redact.py);
- liveness on its own port (`HEALTH_PORT`, unset = off), answered by a thread of the
  master process: no request can take that thread, so a container whose workers are all
  waiting on a slow Flownally is still seen alive (gunicorn itself restarts a worker that
  stops answering its heartbeat, after `timeout` seconds).
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gunicorn.glogging import Logger

from dashboard.core.redact import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        found = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in found.items()}


logger_class = RedactingLogger


def _liveness(arbiter) -> type[BaseHTTPRequestHandler]:
    class Liveness(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            workers = len(arbiter.WORKERS)
            alive = self.path.split("?")[0] == "/healthz" and workers > 0
            body = json.dumps({"status": "ok" if alive else "down", "workers": workers}).encode()
            self.send_response(200 if alive else 503 if workers == 0 else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:  # a probe every few seconds: not news
            pass

    return Liveness


def when_ready(server) -> None:
    port = os.environ.get("HEALTH_PORT")
    if not port:
        return
    host = os.environ.get("HEALTH_HOST", "0.0.0.0")
    httpd = ThreadingHTTPServer((host, int(port)), _liveness(server))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, name="liveness", daemon=True).start()
    server.log.info("Liveness on http://%s:%s/healthz", host, port)
