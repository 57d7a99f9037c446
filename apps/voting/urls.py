from django.urls import path

from . import views

app_name = "voting"
urlpatterns = [
    path("", views.board_list, name="index"),
    path("<slug:slug>/", views.board, name="board"),
    path("<slug:slug>/new/", views.idea_create, name="idea_create"),
    path("<slug:slug>/<id:idea_id>/", views.idea_detail, name="idea"),
    path("<slug:slug>/<id:idea_id>/edit/", views.idea_edit, name="idea_edit"),
    path("<slug:slug>/<id:idea_id>/delete/", views.idea_delete, name="idea_delete"),
    path("<slug:slug>/<id:idea_id>/vote/", views.idea_vote, name="idea_vote"),
    path("<slug:slug>/<id:idea_id>/unvote/", views.idea_unvote, name="idea_unvote"),
    path("<slug:slug>/<id:idea_id>/status/", views.idea_status, name="idea_status"),
    path("<slug:slug>/<id:idea_id>/merge/", views.idea_merge, name="idea_merge"),
    path("<slug:slug>/<id:idea_id>/comments/", views.comment_create, name="comment_create"),
    path("<slug:slug>/<id:idea_id>/comments/<id:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("<slug:slug>/polls/", views.poll_list, name="polls"),
    path("<slug:slug>/polls/new/", views.poll_create, name="poll_create"),
    path("<slug:slug>/polls/<id:poll_id>/", views.poll_detail, name="poll"),
    path("<slug:slug>/polls/<id:poll_id>/results/", views.poll_results, name="poll_results"),
    path("<slug:slug>/polls/<id:poll_id>/vote/", views.poll_vote, name="poll_vote"),
    path("<slug:slug>/polls/<id:poll_id>/withdraw/", views.poll_withdraw, name="poll_withdraw"),
    path("<slug:slug>/polls/<id:poll_id>/close/", views.poll_close, name="poll_close"),
    path("<slug:slug>/polls/<id:poll_id>/delete/", views.poll_delete, name="poll_delete"),
]
