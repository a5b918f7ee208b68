from django.urls import path

from annotator.suggestions import views

app_name = "suggestions"
urlpatterns = [
    path("p/<slug:slug>/suggestions/", views.suggestion_stats, name="stats"),
    path("p/<slug:slug>/suggestions/rules/", views.rule_toggle, name="toggle"),
    path("p/<slug:slug>/suggestions/ranker/", views.ranker_retrain, name="retrain"),
]
