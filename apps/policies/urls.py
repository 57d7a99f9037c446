from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("accept/", views.accept, name="accept"),
    path("new/<slug:slug>/", views.policy_create, name="create"),
    path("<id:policy_id>/", views.policy_detail, name="detail"),
    path("<id:policy_id>/edit/", views.policy_edit, name="edit"),
    path("<id:policy_id>/diff/", views.policy_diff, name="diff"),
    path("<id:policy_id>/acceptances/", views.acceptance_record, name="record"),
    path("<id:policy_id>/acceptances.csv", views.acceptance_csv, name="record_csv"),
    path("<id:policy_id>/remind/", views.remind, name="remind"),
]
