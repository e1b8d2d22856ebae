"""The simulator's HTTP layer: a threaded stdlib server speaking the Flownally contract.

Per API request, in order: faults, route (404/405), bearer token (401), scope (403), path
ID format (404), body (400), idempotency (409 or replay), simulated latency, then the
backend operation. This module reads requests and writes answers; the route table is
routes.py, uploads are read by multipart.py, idempotency keys are kept by idempotency.py,
the operations themselves are the Backend's (backend.py), and what one running simulator
holds is simulator.py's. The control API lives under /_sim/ (see control.py) and needs no
token.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from dashboard.simulator import control, ids
from dashboard.simulator.backend import Backend
from dashboard.simulator.errors import ApiError, detail, invalid, not_found
from dashboard.simulator.idempotency import Answer, read_key
from dashboard.simulator.media import MAX_UPLOAD_BYTES
from dashboard.simulator.multipart import Upload, read_upload
from dashboard.simulator.routes import SUCCESS_STATUS, Route, match
from dashboard.simulator.simulator import Principal, Simulator

logger = logging.getLogger(__name__)

_MAX_BODY = MAX_UPLOAD_BYTES + 1024 * 1024  # room for the multipart envelope


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        super().__init__(address, Handler)
        self.simulator = simulator


class Handler(BaseHTTPRequestHandler):
    server: SimServer
    protocol_version = "HTTP/1.1"
    server_version = "FlownallySimulator/1.0"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this each response waits for
        # the client's delayed ACK (~40 ms on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: GET /_sim/requests is the request log."""

    def __getattr__(self, name: str):
        # Every method reaches the router, so undeclared ones (PUT, TRACE, …) get the
        # contract's 405 instead of the stdlib's HTML 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    # --- plumbing ---------------------------------------------------------------------

    def _dispatch(self) -> None:
        sim = self.server.simulator
        url = urlsplit(self.path)
        if url.path.startswith("/_sim/"):
            try:
                body = self._read_body()
                status, payload = control.handle(
                    sim, self.command, url.path, parse_qs(url.query), body
                )
            except ApiError as error:
                status, payload = error.status, error.body("req_control")
            self._send_json(status, payload, "req_control")
            return
        entry = sim.log.start(self.command, url.path, url.query)
        request_id = ids.new_id("req", int(time.time() * 1000))
        entry["requestId"] = request_id
        self._entry: dict | None = entry
        try:
            self._api(sim, url.path, url.query, entry, request_id)
        finally:
            sim.log.finish(entry)  # when no answer was sent (a disconnect); else a no-op
            self._entry = None

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > _MAX_BODY:
                    self.close_connection = True
                    raise ApiError(413, "payload_too_large", "The request body is too large.")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.close_connection = True  # don't read a huge body just to refuse it
            raise ApiError(
                413,
                "payload_too_large",
                f"Files may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.",
            )
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(
        self,
        status: int,
        payload: dict | None,
        request_id: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = (
            b""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        )
        self._send(
            status, body, "application/json" if payload is not None else None, request_id, headers
        )

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        request_id: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        entry = getattr(self, "_entry", None)
        if entry is not None:
            # Logged before the answer leaves: whoever has the answer finds it in the log.
            self.server.simulator.log.finish(entry)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fail(self, error: ApiError, request_id: str, entry: dict) -> None:
        entry["status"] = error.status
        self._send_json(error.status, error.body(request_id), request_id, error.headers)

    # --- the API ----------------------------------------------------------------------

    def _api(self, sim: Simulator, path: str, query: str, entry: dict, request_id: str) -> None:
        try:
            body = self._read_body()
        except ApiError as error:
            self._fail(error, request_id, entry)
            return
        extra_delay_ms = 0
        for rule in sim.faults.match(self.command, path):
            entry["fault"] = rule.kind
            if rule.kind == "latency":
                extra_delay_ms += rule.delay_ms
            elif rule.kind == "timeout":
                time.sleep(rule.delay_ms / 1000)
            elif rule.kind == "disconnect":
                entry["status"] = 0
                self.close_connection = True
                self.connection.shutdown(2)
                return
            elif rule.kind == "malformed":
                entry["status"] = 200
                self._send(200, b'{"conversations": [{"id": "cnv_', "application/json", request_id)
                return
            else:
                self._fail(rule.error(), request_id, entry)
                return
        try:
            status, payload, headers = self._operate(
                sim, path, query, body, entry, request_id, extra_delay_ms
            )
        except ApiError as error:
            self._fail(error, request_id, entry)
            return
        except Exception:  # a simulator bug must still answer in the contract's shape
            logger.exception("simulator failure on %s %s", self.command, path)
            self._fail(
                ApiError(500, "internal_error", "The simulator failed; see its log."),
                request_id,
                entry,
            )
            return
        entry["status"] = status
        if isinstance(payload, bytes):
            self._send(status, payload, headers.pop("Content-Type"), request_id, headers)
        else:
            self._send_json(status, payload, request_id, headers)

    def _operate(
        self,
        sim: Simulator,
        path: str,
        query: str,
        body: bytes,
        entry: dict,
        request_id: str,
        extra_delay_ms: int,
    ) -> Answer:
        if not path.startswith("/v1/"):
            raise not_found("route")
        route, params = match(self.command, path[3:])
        entry["route"] = route.label
        principal = self._authenticate(sim)
        if route.scope not in principal.scopes:
            raise ApiError(403, "insufficient_scope", f"This token lacks the {route.scope} scope.")
        if route.id_prefix and not ids.matches(route.id_prefix, params["id"]):
            raise not_found(
                {"msg": "message", "cnv": "conversation", "mda": "media"}[route.id_prefix]
            )
        backend = sim.backend
        latency_s = (backend.config.latency_ms + extra_delay_ms) / 1000
        parsed_query = parse_qs(query, keep_blank_values=True)
        unexpected = sorted(set(parsed_query) - route.query)
        if unexpected:
            raise invalid(
                *(
                    detail(name, "unexpected", f"Unknown query parameter {name!r}.")
                    for name in unexpected
                )
            )
        if self.command == "GET":
            time.sleep(latency_s)
            return self._run(backend, route, params, parsed_query, None, principal)
        parsed, fingerprint = self._parse_post(route, body)
        key = read_key(self.headers.get("Idempotency-Key"))

        def run() -> Answer:
            time.sleep(latency_s)  # inside the idempotency window, as on a real network
            return self._run(backend, route, params, {}, parsed, principal)

        if key is None:
            return run()
        entry["idempotencyKey"] = key
        answer, replayed = sim.idempotency.run_once(
            (principal.label, key),
            f"{route.label}|{path}|{fingerprint}",
            backend.clock.now_ms(),
            request_id,
            run,
        )
        if replayed:
            entry["replayed"] = True
        return answer

    def _authenticate(self, sim: Simulator) -> Principal:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        principal = sim.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if principal is None:
            raise ApiError(
                401,
                "unauthenticated",
                "Send a valid API token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": 'Bearer realm="flownally"'},
            )
        return principal

    def _parse_post(self, route: Route, body: bytes) -> tuple[object, str]:
        """The body as the operation wants it, and a fingerprint for idempotency checks."""
        if route.operation == "media_upload":
            upload = read_upload(self.headers.get("Content-Type", ""), body)
            return upload, upload.fingerprint
        if route.operation == "conversation_close" or not body.strip():
            return {}, ""
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
        if not isinstance(parsed, dict):
            raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
        return parsed, json.dumps(parsed, sort_keys=True, separators=(",", ":"))

    def _run(
        self,
        backend: Backend,
        route: Route,
        params: dict,
        query: dict,
        body: object,
        principal: Principal,
    ) -> Answer:
        op = route.operation
        status = SUCCESS_STATUS.get(op, 200)
        if op == "media_download":
            media = backend.media_download(params["tenantId"], params["id"])
            disposition = "inline" if media.media_type == "image" else "attachment"
            filename = media.filename.encode("ascii", "replace").decode().replace('"', "")
            return (
                200,
                media.data,
                {
                    "Content-Type": media.mime_type,
                    "Content-Disposition": f'{disposition}; filename="{filename}"',
                },
            )
        if op == "media_upload" and isinstance(body, Upload):
            return status, backend.media_upload(body.filename, body.content_type, body.data), {}
        handler = getattr(backend, op)
        args: list[object] = [params["id"]] if "id" in params else []
        if route.method == "GET":
            args += [query] if op.endswith("_list") else []
        elif op != "conversation_close":
            args.append(body)
        if op in ("message_send", "conversation_message_send", "message_react"):
            args.append(principal.user_id)
        payload = handler(*args)
        return status, payload, {}


def serve(simulator: Simulator, host: str, port: int) -> SimServer:
    return SimServer((host, port), simulator)


def start_in_thread(
    simulator: Simulator, host: str = "127.0.0.1", port: int = 0
) -> tuple[SimServer, str]:
    """Start a simulator for tests; returns the server and its base URL (…/v1)."""
    server = serve(simulator, host, port)
    threading.Thread(target=server.serve_forever, name="flownally-sim", daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/v1"
