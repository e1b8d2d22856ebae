"""A dashboard process that hammers Flownally past the cache, for the request budget's
cross-process test (tests/flownally/test_request_budget.py), run as

    python -m tests.support.budget_process <conversation id> <threads> <seconds>

Prints "ready", and on a line from stdin starts `threads` threads that each read the
conversation with `cached=False` under a page's deadline (as a person's page would) for
`seconds`; then prints how many reads were answered and exits."""

from __future__ import annotations

import sys
import threading
import time


def _hammer() -> int:
    import django

    django.setup()
    from dashboard.flownally import client, deadline
    from dashboard.flownally.errors import RateLimited

    conversation_id, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    answered = [0] * threads

    def read(index: int, until: float) -> None:
        while time.monotonic() < until:
            try:
                with deadline.within(3):
                    client.conversation_get(conversation_id, cached=False)
                answered[index] += 1
            except RateLimited:  # the budget refused it: nothing was sent
                pass

    print("ready", flush=True)
    sys.stdin.readline()
    until = time.monotonic() + seconds
    workers = [threading.Thread(target=read, args=(i, until)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(sum(answered), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_hammer())
