from django.urls import path

from dashboard.alerts import views

urlpatterns = [
    path("", views.preferences, name="alert_preferences"),
    path("state/", views.state, name="alert_state"),
]
