from django.urls import path

from annotator.annotations import views

app_name = "annotations"
urlpatterns = [
    path("p/<slug:slug>/articles/<int:article_id>/", views.workspace, name="workspace"),
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
        "p/<slug:slug>/annotations/<int:annotation_id>/sources/",
        views.source_search,
        name="source_search",
    ),
    path("p/<slug:slug>/links/<int:link_id>/delete/", views.link_delete, name="link_delete"),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/decide/",
        views.suggestion_decide,
        name="decide",
    ),
    path(
        "p/<slug:slug>/suggested-times/<int:date_id>/decide/", views.date_decide, name="date_decide"
    ),
    path(
        "p/<slug:slug>/articles/<int:article_id>/suggestions/accept-all/",
        views.suggestions_accept_all,
        name="accept_all",
    ),
    path(
        "p/<slug:slug>/articles/<int:article_id>/suggestions/run/",
        views.suggest_again,
        name="suggest_again",
    ),
]
