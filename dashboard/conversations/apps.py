from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """The conversation list, the conversation page and the actions taken on them."""

    name = "dashboard.conversations"
    label = "conversations"
