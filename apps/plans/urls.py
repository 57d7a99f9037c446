from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("company-calendar/", views.company_calendar, name="company_calendar"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:secret>.ics", views.calendar_feed, name="ical"),
    path("d/<slug:slug>/", views.plan_detail, name="plan"),
    path("d/<slug:slug>/edit/", views.plan_edit, name="edit"),
    path("d/<slug:slug>/history/", views.plan_history, name="history"),
    path("d/<slug:slug>/follow/", views.plan_follow, name="follow"),
    path("d/<slug:slug>/goals/new/", views.goal_create, name="goal_create"),
    path("d/<slug:slug>/roles/", views.role_create, name="role_create"),
    path("d/<slug:slug>/routines/", views.routine_create, name="routine_create"),
    path("d/<slug:slug>/reviews/new/", views.review_create, name="review_create"),
    path("d/<slug:slug>/content/", views.content_plan, name="content"),
    path("goals/<id:goal_id>/", views.goal_detail, name="goal"),
    path("goals/<id:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<id:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("goals/<id:goal_id>/check-ins/", views.check_in, name="check_in"),
    path("goals/<id:goal_id>/links/", views.goal_link, name="goal_link"),
    path("goals/<id:goal_id>/videos/", views.goal_video, name="goal_video"),
    path("roles/<id:role_id>/edit/", views.role_edit, name="role_edit"),
    path("roles/<id:role_id>/delete/", views.role_delete, name="role_delete"),
    path("routines/<id:routine_id>/edit/", views.routine_edit, name="routine_edit"),
    path("routines/<id:routine_id>/delete/", views.routine_delete, name="routine_delete"),
    path("routines/<id:routine_id>/done/", views.routine_done, name="routine_done"),
    path("reviews/<id:review_id>/", views.review_detail, name="review"),
    path("reviews/<id:review_id>/accept/", views.review_accept, name="review_accept"),
    path("slots/<id:slot_id>/status/", views.slot_status, name="slot_status"),
    path("slots/<id:slot_id>/publish/", views.slot_publish, name="slot_publish"),
    path("slots/<id:slot_id>/video/", views.slot_video, name="slot_video"),
    path("ideas/<id:idea_id>/promote/", views.idea_promote, name="idea_promote"),
]
