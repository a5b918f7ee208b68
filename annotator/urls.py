from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotator import health
from annotator.api import api

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),  # no login (load balancers, monitoring)
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("annotator.accounts.urls")),
    path("", include("annotator.workspace.urls")),
    path("", include("annotator.events.urls")),
    path("", include("annotator.sources.urls")),
    path("", include("annotator.suggestions.urls")),
    path("", include("annotator.matching.urls")),
    path("", include("annotator.articles.urls")),
    path("", include("annotator.exports.urls")),
    path("", include("annotator.projects.urls")),
    path("", include("annotator.review.urls")),
    path("", include("annotator.teams.urls")),
]
