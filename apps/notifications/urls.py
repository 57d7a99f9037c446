from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.notification_settings, name="settings"),
    path("<id:notification_id>/", views.open_notification, name="open"),
]
