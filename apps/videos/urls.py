from django.urls import path

from . import views

app_name = "videos"

urlpatterns = [
    path("", views.index, name="index"),
    path("d/<slug:slug>/", views.library, name="library"),
    path("d/<slug:slug>/upload/", views.upload_page, name="upload_page"),
    path("d/<slug:slug>/playlists/", views.playlist_create, name="playlist_create"),
    path("playlists/<id:playlist_id>/entries/", views.playlist_entry, name="playlist_entry"),
    path("<id:video_id>/", views.detail, name="detail"),
    path("<id:video_id>/edit/", views.edit, name="edit"),
    path("<id:video_id>/delete/", views.delete, name="delete"),
    path("<id:video_id>/retry/", views.retry, name="retry"),
    path("<id:video_id>/announce/", views.announce, name="announce"),
    path("<id:video_id>/captions/", views.captions, name="captions"),
    path("<id:video_id>/captions/recognise/", views.auto_captions_retry, name="auto_captions_retry"),
    path("<id:video_id>/required/", views.required, name="required"),
    path("<id:video_id>/completion/", views.completion, name="completion"),
]
