from dashboard.simulator.seed import REFERENCE_CONVERSATION_ID


def test_it_lists_conversations_with_the_reference_conversation_in_them(sim):
    response = sim.api("GET", "/conversations", params={"pageSize": 100})
    assert response.status_code == 200
    assert REFERENCE_CONVERSATION_ID in [c["id"] for c in response.json()["conversations"]]
