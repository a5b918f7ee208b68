from django.urls import path

from annotator.matching import views

app_name = "matching"
urlpatterns = [
    path("p/<slug:slug>/events/<int:event_id>/matches/", views.event_proposals, name="event"),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/matches/",
        views.claim_proposals,
        name="claim",
    ),
    path(
        "p/<slug:slug>/annotations/<int:annotation_id>/matches/not-event/",
        views.event_reject,
        name="event_reject",
    ),
    path("p/<slug:slug>/matches/<int:candidate_id>/decide/", views.decide, name="decide"),
]
