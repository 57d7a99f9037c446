from django.urls import path

from . import views

app_name = "departments"
urlpatterns = [
    path("", views.department_list, name="list"),
    path("new/", views.department_create, name="create"),
    path("<slug:slug>/", views.department_detail, name="detail"),
    path("<slug:slug>/edit/", views.department_edit, name="edit"),
    path("<slug:slug>/image/", views.department_image, name="image"),
    path("<slug:slug>/delete/", views.department_delete, name="delete"),
    path("<slug:slug>/members/", views.members_manage, name="members"),
    path("<slug:slug>/members/<id:user_id>/role/", views.member_role, name="member_role"),
    path("<slug:slug>/members/<id:user_id>/remove/", views.member_remove, name="member_remove"),
]
