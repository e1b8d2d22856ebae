"""The benchmark's tests."""

# Every scenario a full run reports, by key.
SCENARIO_KEYS = (
    "list",
    "list_filtered",
    "conversation",
    "poll_idle",
    "poll_changing",
    "wallboard",
    "wallboard_one",
    "ping",
    "viewers_100",
    "viewers_200",
    "viewers_1000",
)
