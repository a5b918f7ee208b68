from django.urls import path

from annotator.events import views

app_name = "events"
urlpatterns = [
    path("p/<slug:slug>/events/", views.event_list, name="list"),
    path("p/<slug:slug>/events/<int:event_id>/", views.event_detail, name="detail"),
    path(
        "p/<slug:slug>/events/<int:event_id>/relations/",
        views.relation_create,
        name="relation_create",
    ),
    path(
        "p/<slug:slug>/events/<int:event_id>/timeline.csv", views.timeline_csv, name="timeline_csv"
    ),
    path(
        "p/<slug:slug>/events/<int:event_id>/timelinejs.json",
        views.timeline_json,
        name="timeline_json",
    ),
    path(
        "p/<slug:slug>/events/<int:event_id>/relations/delete/",
        views.relation_delete,
        name="relation_delete",
    ),
    path(
        "p/<slug:slug>/claims/<int:annotation_id>/credibility/",
        views.credibility_set,
        name="credibility",
    ),
]
