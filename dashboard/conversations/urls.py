from django.urls import path

from dashboard.conversations import views

urlpatterns = [
    path("", views.conversation_list, name="conversation_list"),
    # Any segment reaches the view; the client refuses IDs without the contract's format (404).
    path("conversations/<str:conversation_id>/", views.conversation_detail, name="conversation"),
]
