from django.urls import path

from . import views

urlpatterns = [
    path("Users", views.users_collection, name="scim-users"),
    path("Users/<id:user_id>", views.user_detail, name="scim-user"),
    path("Groups", views.groups_collection, name="scim-groups"),
    path("Groups/<id:group_id>", views.group_detail, name="scim-group"),
]
