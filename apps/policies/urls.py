from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("accept/", views.accept, name="accept"),
    path("new/<slug:slug>/", views.policy_create, name="create"),
    path("<int:policy_id>/", views.policy_detail, name="detail"),
    path("<int:policy_id>/edit/", views.policy_edit, name="edit"),
    path("<int:policy_id>/diff/", views.policy_diff, name="diff"),
    path("<int:policy_id>/acceptances/", views.acceptance_record, name="record"),
    path("<int:policy_id>/acceptances.csv", views.acceptance_csv, name="record_csv"),
    path("<int:policy_id>/remind/", views.remind, name="remind"),
]
