from django.urls import path

from . import views

app_name = "feed"
urlpatterns = [
    path("", views.home, name="home"),
    path("posts/new/", views.post_create, name="create"),
    path("posts/<id:post_id>/", views.post_detail, name="post"),
    path("posts/<id:post_id>/card/", views.post_card, name="card"),
    path("posts/<id:post_id>/edit/", views.post_edit, name="edit"),
    path("posts/<id:post_id>/delete/", views.post_delete, name="delete"),
    path("posts/<id:post_id>/react/", views.post_react, name="react"),
    path("posts/<id:post_id>/comments/", views.comment_create, name="comment"),
    path("posts/<id:post_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("posts/<id:post_id>/share/", views.share, name="share"),
    path("posts/<id:post_id>/remind/", views.remind, name="remind"),
    path("comments/<id:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<id:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("d/<slug:slug>/", views.department_feed, name="department"),
    path("d/<slug:slug>/announcements/", views.announcement_dashboard, name="announcements"),
    path("d/<slug:slug>/calendar/", views.content_calendar, name="calendar"),
]
