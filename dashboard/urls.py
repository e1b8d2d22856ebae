from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard.accounts import audit_log, people
from dashboard.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("ping", core_views.ping, name="ping"),
    path("", include("dashboard.conversations.urls")),
    path("connection/", core_views.connection, name="connection"),
    path("accounts/login/", core_views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("people/", people.people, name="people"),
    path("people/unlock/", people.signin_unlock, name="signin_unlock"),
    path("people/<int:user_id>/", people.account_change, name="account_change"),
    path("people/<int:user_id>/member/", people.account_member, name="account_member"),
    path("wallboard/", include("dashboard.wallboard.urls")),
    path("team/", include("dashboard.team.urls")),
    path("trends/", include("dashboard.trends.urls")),
    path("alerts/", include("dashboard.alerts.urls")),
    path("bulk/", include("dashboard.bulk.urls")),
    path("admin/", admin.site.urls),
]
