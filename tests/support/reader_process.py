"""A second dashboard process for the cross-process single-flight tests
(tests/flownally/test_single_flight.py), run as

    python -m tests.support.reader_process <conversation id> <threads> [<budget seconds>]

(with a budget, each read runs under a page's deadline, as in a request). It starts `threads` threads that each call `client.conversation_get(<id>)`, prints "ready",
and lets them all go at once when a line arrives on stdin. Prints the IDs the threads got
(or their errors) as one JSON list, then exits."""

from __future__ import annotations

import json
import sys
import threading


def _read_in_threads() -> int:
    # Django is set up here, in the second process, not when a test imports this module.
    import django

    django.setup()
    from contextlib import nullcontext

    from dashboard.flownally import client, deadline

    conversation_id, count = sys.argv[1], int(sys.argv[2])
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else None
    start = threading.Barrier(count + 1)
    results: list[str | None] = [None] * count

    def read(index: int) -> None:
        start.wait()
        try:
            with deadline.within(budget) if budget else nullcontext():
                results[index] = client.conversation_get(conversation_id).id
        except Exception as error:  # reported to the test, which fails on it
            results[index] = f"error: {error!r}"

    threads = [threading.Thread(target=read, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    print("ready", flush=True)
    sys.stdin.readline()
    start.wait()
    for thread in threads:
        thread.join()
    print(json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_read_in_threads())
