from django.urls import path

from dashboard.trends import views

urlpatterns = [
    path("", views.trends, name="trends"),
    path("trends.csv", views.trends_csv, name="trends_csv"),
]
