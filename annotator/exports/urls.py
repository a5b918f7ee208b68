from django.urls import path

from annotator.exports import views

app_name = "exports"
urlpatterns = [
    path("p/<slug:slug>/export/", views.export_page, name="page"),
    path("p/<slug:slug>/export/download/", views.export_download, name="download"),
    path("p/<slug:slug>/export/jobs/", views.export_jobs, name="jobs"),
    path("p/<slug:slug>/export/import/", views.dataset_upload, name="import"),
]
