from django.urls import path

from annotator.suggestions import views

app_name = "suggestions"
urlpatterns = [
    path("p/<slug:slug>/suggestions/", views.suggestion_stats, name="stats"),
    path("p/<slug:slug>/suggestions/rules/", views.rule_toggle, name="toggle"),
    path("p/<slug:slug>/suggestions/ranker/", views.ranker_retrain, name="retrain"),
    # In the workspace:
    path("p/<slug:slug>/annotations/<int:annotation_id>/decide/", views.decide, name="decide"),
    path(
        "p/<slug:slug>/suggested-times/<int:date_id>/decide/",
        views.date_decide,
        name="date_decide",
    ),
    path(
        "p/<slug:slug>/articles/<int:article_id>/suggestions/accept-all/",
        views.accept_all,
        name="accept_all",
    ),
    path("p/<slug:slug>/articles/<int:article_id>/suggestions/run/", views.run, name="run"),
]
