"""Many people looking at one dashboard page at the same moment, over real HTTP."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests

HANG_GUARD_S = 60  # only so that a stuck server fails the test instead of hanging the run


@dataclass(frozen=True)
class Seen:
    status: int  # 0 when no answer came
    text: str
    seconds: float


def at_once(url: str, count: int, session_cookie: str, headers: dict | None = None) -> list[Seen]:
    """`count` viewers (each its own connection) GET `url` together; what each saw, and when."""
    start = threading.Barrier(count)
    seen: list[Seen | None] = [None] * count

    def view(index: int) -> None:
        with requests.Session() as session:
            session.cookies.set("sessionid", session_cookie)
            start.wait()
            began = time.monotonic()
            try:
                answer = session.get(url, headers=headers or {}, timeout=HANG_GUARD_S)
                seen[index] = Seen(answer.status_code, answer.text, time.monotonic() - began)
            except requests.RequestException as error:
                seen[index] = Seen(0, repr(error), time.monotonic() - began)

    threads = [threading.Thread(target=view, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_GUARD_S + 5)
    assert all(s is not None for s in seen), "a viewer is stuck"
    return [s for s in seen if s is not None]


def session_of(client, user) -> str:
    """The session cookie of `user` signed in through Django's test client."""
    client.force_login(user)
    return client.cookies["sessionid"].value
