"""The circuit breaker, seen from fifty timeline polls through a live server while
Flownally answers 503: it opens after repeated failures, then polls cost no upstream
request and answer at once with the stale timeline; after the cool-off exactly one probe
goes out; once Flownally is back the probe closes it and the timeline is fresh.

(Answers take up to ~2 s here: the test's live server serves fifty connections at once
from one process and an SQLite file, not for lack of an upstream answer.)"""

from __future__ import annotations

import time

import pytest

from dashboard.accounts.roles import VIEWER, ensure_roles
from dashboard.flownally import circuit
from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID
from tests.support.viewers import at_once, session_of

CID = REFERENCE_CONVERSATION_ID
POLLS = 50
COOL_OFF_S = 4.0
STALE = "Flownally is not answering; showing the timeline as of"
ANSWERED_WITHIN_S = 4


def api_requests(upstream) -> list[dict]:
    return [e for e in upstream.requests() if e["path"].startswith("/v1/")]


@pytest.mark.slow  # waits out the circuit's cool-off twice
@pytest.mark.django_db(transaction=True)
def test_fifty_polls_during_a_503_open_the_circuit_and_one_probe_closes_it(
    live_server, flownally, upstream, settings, client, make_user
):
    ensure_roles()
    settings.FLOWNALLY_CACHE_TTL_CONVERSATION = 0.2
    settings.FLOWNALLY_CACHE_TTL_MESSAGES = 0.2
    settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS = COOL_OFF_S
    cookie = session_of(client, make_user(VIEWER))
    page = f"{live_server.url}/conversations/{CID}/"
    poll = f"{page}timeline/?v=shown-before"
    assert at_once(page, 1, cookie)[0].status == 200
    flownally.add_fault(kind="error", status=503, retryAfter=0, path=f"^/v1/conversations/{CID}")
    time.sleep(0.3)  # the conversation's copies are no longer fresh

    def round_of_polls() -> list:
        seen = at_once(poll, POLLS, cookie, headers={"HX-Request": "true"})
        assert [s.status for s in seen] == [200] * POLLS, {s.status for s in seen}
        assert max(s.seconds for s in seen) < ANSWERED_WITHIN_S
        print(f"{POLLS} polls: slowest {max(s.seconds for s in seen):.3f} s")
        assert all(STALE in s.text for s in seen)
        return seen

    for _ in range(settings.FLOWNALLY_CIRCUIT_FAILURES):
        round_of_polls()
        if circuit.state().name == "open":
            break
    assert circuit.state().name == "open"

    upstream.forget()
    round_of_polls()
    assert api_requests(upstream) == [], "polls went upstream while the circuit was open"

    time.sleep(COOL_OFF_S + 0.1)
    upstream.forget()
    round_of_polls()
    assert len(api_requests(upstream)) == 1, "the half-open circuit let more than one probe out"
    assert circuit.state().name == "open"  # the probe met the 503

    flownally.control("DELETE", "faults")
    time.sleep(COOL_OFF_S + 0.1)
    at_once(poll, 1, cookie, headers={"HX-Request": "true"})  # its probe succeeds
    assert circuit.state().name == "closed"
    fresh = at_once(poll, POLLS, cookie, headers={"HX-Request": "true"})
    assert [s.status for s in fresh] == [200] * POLLS
    assert not any(STALE in s.text for s in fresh)


def test_a_persons_action_is_tried_while_the_circuit_is_open_and_closes_it(
    flownally, upstream, settings
):
    """Reads while open fail at once, untried; an action someone pressed goes out, and
    once Flownally is back its success closes the circuit for everyone."""
    from dashboard.flownally import client as api
    from dashboard.flownally.deadline import within
    from dashboard.flownally.errors import Unavailable

    settings.FLOWNALLY_RETRIES = 0
    settings.FLOWNALLY_CIRCUIT_OPEN_SECONDS = 60
    flownally.add_fault(kind="error", status=503, times=settings.FLOWNALLY_CIRCUIT_FAILURES)
    for _ in range(settings.FLOWNALLY_CIRCUIT_FAILURES):
        with pytest.raises(Unavailable):
            api.conversation_get(CID, cached=False)
    assert circuit.state().name == "open"
    tried = len(api_requests(upstream))

    with within(3), pytest.raises(Unavailable, match="circuit open"):
        api.conversation_get(CID, cached=False)  # a page's read: not tried
    assert len(api_requests(upstream)) == tried
    with within(3):
        api.conversation_close(CID)  # someone pressed Close: tried, and it worked
    assert len(api_requests(upstream)) == tried + 1
    assert circuit.state().name == "closed"


def test_pages_running_out_of_their_own_time_do_not_open_the_circuit(flownally, settings):
    """A slow but working Flownally: reads cut short by a page's budget are the page's
    problem, not a sign that Flownally is down (else slow pages would open the circuit,
    and every viewer would get stale copies of a Flownally that answers)."""
    from dashboard.flownally import client as api
    from dashboard.flownally.deadline import within
    from dashboard.flownally.errors import OutOfTime

    flownally.add_fault(kind="latency", delayMs=800, path=f"^/v1/conversations/{CID}$")
    for _ in range(settings.FLOWNALLY_CIRCUIT_FAILURES + 1):
        with within(0.3), pytest.raises(OutOfTime):
            api.conversation_get(CID)
    assert circuit.state().name == "closed"
    assert api.conversation_get(CID).id == CID  # with time enough, it answers
