from django.urls import path

from annotator.articles import views

app_name = "articles"
urlpatterns = [
    path("p/<slug:slug>/articles/", views.article_list, name="list"),
    path("p/<slug:slug>/articles/upload/", views.upload, name="upload"),
    path("p/<slug:slug>/articles/paste/", views.paste, name="paste"),
    path("p/<slug:slug>/articles/<int:article_id>/about/", views.about, name="about"),
    path("p/<slug:slug>/articles/<int:article_id>/original/", views.original, name="original"),
    path("p/<slug:slug>/imports/<int:batch_id>/", views.batch_detail, name="batch"),
    path("p/<slug:slug>/imports/<int:batch_id>/resume/", views.resume, name="resume"),
    path("p/<slug:slug>/imports/<int:batch_id>/review/", views.batch_review, name="review"),
]
