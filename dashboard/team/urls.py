from django.urls import path

from dashboard.team import views

urlpatterns = [
    path("", views.team, name="team"),
]
