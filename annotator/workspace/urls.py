from django.urls import path

from annotator.workspace import views

app_name = "workspace"
urlpatterns = [
    path("kinds.css", views.kinds_css, name="kinds_css"),
    path("p/<slug:slug>/articles/<int:article_id>/", views.article_page, name="article"),
    path(
        "p/<slug:slug>/articles/<int:article_id>/annotations/", views.annotation_list, name="list"
    ),
    path(
        "p/<slug:slug>/articles/<int:article_id>/annotations/new/",
        views.annotation_create,
        name="create",
    ),
    path("p/<slug:slug>/articles/<int:article_id>/undo/", views.annotation_undo, name="undo"),
    path(
        "p/<slug:slug>/articles/<int:article_id>/status/",
        views.article_status,
        name="article_status",
    ),
    path("p/<slug:slug>/annotations/<int:annotation_id>/", views.annotation_detail, name="detail"),
    path("p/<slug:slug>/annotations/<int:annotation_id>/save/", views.annotation_save, name="save"),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/span/",
        views.annotation_respan,
        name="respan",
    ),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/delete/",
        views.annotation_delete,
        name="delete",
    ),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/links/",
        views.link_create,
        name="link_create",
    ),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/link-targets/",
        views.link_targets,
        name="link_targets",
    ),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/sources/",
        views.source_search,
        name="source_search",
    ),
    path("p/<slug:slug>/links/<int:link_id>/delete/", views.link_delete, name="link_delete"),
]
