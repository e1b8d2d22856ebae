from django.urls import path

from dashboard.conversations import detail, views

urlpatterns = [
    path("", views.conversation_list, name="conversation_list"),
    # Any segment reaches the view; the client refuses IDs without the contract's format (404).
    path("conversations/<str:conversation_id>/", detail.conversation_detail, name="conversation"),
    path(
        "conversations/<str:conversation_id>/timeline/",
        detail.conversation_timeline,
        name="conversation_timeline",
    ),
]
