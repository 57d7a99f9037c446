from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("", views.chat_index, name="index"),
    path("new/", views.room_create, name="new"),
    path("direct/", views.direct, name="direct"),
    path("<int:room_id>/", views.chat_room, name="room"),
    path("<int:room_id>/send/", views.chat_send, name="send"),
    path("<int:room_id>/members/", views.room_members, name="members"),
]
