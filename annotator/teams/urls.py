from django.urls import path

from annotator.teams import views  # noqa: F401  (views come with the first page)

app_name = "teams"
urlpatterns: list = []
