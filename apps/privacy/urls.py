from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.your_data, name="your_data"),
    path("exports/", views.export_create, name="export_create"),
    path("exports/<id:export_id>/status/", views.export_status, name="export_status"),
    path("download/<str:token>/", views.download, name="download"),
    path("erase/<id:user_id>/", views.erase, name="erase"),
]
