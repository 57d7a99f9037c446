from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("org-chart/", views.org_chart, name="org_chart"),
    path("me/edit/", views.profile_edit, name="edit"),
    path("me/time-zone/", views.time_zone, name="time_zone"),
    path("<id:user_id>/", views.profile_detail, name="detail"),
    path("<id:user_id>/card/", views.person_card, name="card"),
    path("<id:user_id>/edit/", views.profile_edit, name="edit_other"),
    path("<id:user_id>/photo/", views.photo_upload, name="photo"),
    path("<id:user_id>/photo/remove/", views.photo_remove, name="photo_remove"),
]
