from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("", views.chat_index, name="index"),
    path("new/", views.room_create, name="new"),
    path("direct/", views.direct, name="direct"),
    path("<id:room_id>/", views.chat_room, name="room"),
    path("<id:room_id>/send/", views.chat_send, name="send"),
    path("<id:room_id>/members/", views.room_members, name="members"),
]
