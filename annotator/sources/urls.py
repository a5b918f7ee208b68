from django.urls import path

from annotator.sources import views

app_name = "sources"
urlpatterns = [
    path("p/<slug:slug>/sources/", views.source_list, name="list"),
    path("p/<slug:slug>/sources/<int:source_id>/", views.source_detail, name="detail"),
    path("p/<slug:slug>/sources/<int:source_id>/assess/", views.assessment_create, name="assess"),
    path("p/<slug:slug>/sources/<int:source_id>/edit/", views.source_edit, name="edit"),
    path("p/<slug:slug>/sources/<int:source_id>/merge/", views.source_merge, name="merge"),
]
