from django.urls import path

from dashboard.bulk import confirm, preview, progress

urlpatterns = [
    path("", confirm.bulk_start, name="bulk_start"),
    path("preview/", preview.bulk_preview, name="bulk_preview"),
    path("<int:job_id>/", progress.bulk_job, name="bulk_job"),
    path("<int:job_id>/cancel/", progress.bulk_cancel, name="bulk_cancel"),
]
