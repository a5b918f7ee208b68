from django.urls import path

from annotator.review import views

app_name = "review"
urlpatterns = [
    path("p/<slug:slug>/review/", views.queue, name="queue"),
    path("p/<slug:slug>/review/agreement/", views.agreement_page, name="agreement"),
    path("p/<slug:slug>/review/assignments/", views.assignments, name="assignments"),
    path(
        "p/<slug:slug>/review/assignments/<int:assignment_id>/delete/",
        views.unassign,
        name="unassign",
    ),
    path("p/<slug:slug>/my-work/", views.my_work, name="mine"),
    path("p/<slug:slug>/review/articles/<int:article_id>/", views.review_article, name="article"),
    path("p/<slug:slug>/review/annotations/<int:annotation_id>/edit/", views.edit, name="edit"),
    path(
        "p/<slug:slug>/review/articles/<int:article_id>/accept-agreed/",
        views.accept_agreed,
        name="accept_agreed",
    ),
    path("p/<slug:slug>/review/articles/<int:article_id>/finish/", views.finish, name="finish"),
    path(
        "p/<slug:slug>/review/annotations/<int:annotation_id>/decide/",
        views.decide,
        name="decide",
    ),
    path(
        "p/<slug:slug>/review/annotations/<int:annotation_id>/curate/",
        views.curate,
        name="curate",
    ),
]
