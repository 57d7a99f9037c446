from django.urls import path

from . import views

app_name = "questions"
urlpatterns = [
    path("", views.index, name="index"),
    path("ask/", views.ask, name="ask"),
    path("<id:question_id>/", views.detail, name="detail"),
    path("<id:question_id>/answers/", views.answer_create, name="answer"),
    path("<id:question_id>/comments/", views.comment_create, name="comment"),
    path("<id:question_id>/reopen/", views.reopen, name="reopen"),
    path("<id:question_id>/assign/", views.assign, name="assign"),
    path("<id:question_id>/to-post/", views.to_post, name="to_post"),
    path("<id:question_id>/to-idea/", views.to_idea, name="to_idea"),
    path("answers/<id:answer_id>/accept/", views.answer_accept, name="accept"),
    path("answers/<id:answer_id>/edit/", views.answer_edit, name="answer_edit"),
    path("answers/<id:answer_id>/delete/", views.answer_delete, name="answer_delete"),
    path("answers/<id:answer_id>/react/", views.answer_react, name="react"),
    path("d/<slug:slug>/", views.department_questions, name="department"),
    path("d/<slug:slug>/targets/", views.targets_edit, name="targets"),
]
