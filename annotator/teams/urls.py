from django.urls import path

from annotator.teams import views

app_name = "teams"
urlpatterns = [
    path("projects/new/", views.project_new, name="new"),
    path("projects/new/slug/", views.slug_proposal, name="slug"),
    path("p/<slug:slug>/settings/", views.project_settings, name="settings"),
    path("p/<slug:slug>/archive/", views.project_archive, name="archive"),
    path("p/<slug:slug>/unarchive/", views.project_unarchive, name="unarchive"),
    path("p/<slug:slug>/delete/", views.project_delete, name="delete"),
]
