from django.urls import path

from dashboard.wallboard import links, views

urlpatterns = [
    path("", views.wallboard, name="wallboard"),
    path("refresh/", views.wallboard_refresh, name="wallboard_refresh"),
    path("k/<str:token>/", views.kiosk, name="kiosk"),
    path("k/<str:token>/refresh/", views.kiosk_refresh, name="kiosk_refresh"),
    path("links/", links.kiosk_links, name="kiosk_links"),
    path("links/<int:pk>/revoke/", links.revoke, name="kiosk_revoke"),
]
