from django.urls import path

from annotator.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("p/<slug:slug>/", views.project_detail, name="detail"),
    path("p/<slug:slug>/guidelines/", views.guidelines, name="guidelines"),
    path("p/<slug:slug>/members/", views.members, name="members"),
    path("p/<slug:slug>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path(
        "p/<slug:slug>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"
    ),
    path("p/<slug:slug>/invites/", views.invite_create, name="invite_create"),
    path(
        "p/<slug:slug>/invites/<int:invite_id>/revoke/", views.invite_revoke, name="invite_revoke"
    ),
    path("invite/<str:key>/", views.invite, name="invite"),
]
