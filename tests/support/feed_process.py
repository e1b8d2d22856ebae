"""A dashboard process whose change-feed thread runs while someone watches, for the
cross-process feed test (tests/conversations/test_news_processes.py), run as

    python -m tests.support.feed_process

It prints "ready" once its thread runs; each line on stdin then gets the number of feed
reads this process has made so far, as one line; end of input stops it."""

from __future__ import annotations

import sys
import threading


def _run() -> int:
    import django

    django.setup()  # here, in the helper process, not when a test imports this module
    from dashboard.conversations import news

    reads = [0]
    lock = threading.Lock()
    read_once = news.read_once

    def counted() -> list[str]:
        changed = read_once()
        with lock:
            reads[0] += 1
        return changed

    news.read_once = counted  # the thread's tick reads through this module attribute
    news.watching()
    print("ready", flush=True)
    for _ in sys.stdin:
        with lock:
            print(reads[0], flush=True)
    news.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_run())
