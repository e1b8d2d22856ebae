from django.urls import path

from dashboard.conversations import (
    actions,
    detail,
    export,
    failed,
    listing,
    media,
    new_message,
    presence,
    resend,
    timeline,
)

# Any segment reaches the views; the client refuses IDs without the contract's format (404).
ONE = "conversations/<str:conversation_id>/"

urlpatterns = [
    path("", listing.conversation_list, name="conversation_list"),
    path("conversations.csv", export.conversation_export, name="conversation_export"),
    path("messages/new/", new_message.new_message, name="new_message"),
    path("failed/", failed.failed_deliveries, name="failed_deliveries"),
    path("media/<str:tenant_id>/uploads/<str:media_id>", media.media_file, name="media_file"),
    path(ONE, detail.conversation_detail, name="conversation"),
    path(f"{ONE}timeline/", timeline.conversation_timeline, name="conversation_timeline"),
    path(f"{ONE}left/", presence.conversation_left, name="conversation_left"),
    path(f"{ONE}reply/", actions.reply, name="conversation_reply"),
    path(f"{ONE}reassign/", actions.reassign, name="conversation_reassign"),
    path(f"{ONE}close/", actions.close, name="conversation_close"),
    path(f"{ONE}read/", actions.mark_read, name="conversation_read"),
    path(f"{ONE}react/", actions.react, name="conversation_react"),
    path(f"{ONE}resend/<str:message_id>/", resend.resend, name="conversation_resend"),
]
