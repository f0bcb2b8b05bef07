from django.urls import path

from trading import views, workspace

app_name = "trading"

urlpatterns = [
    path("", views.tender_list, name="tender-list"),
    path("<uuid:tender_id>/", views.tender_detail, name="tender-detail"),
    path("workspace/", workspace.workspace, name="workspace"),
    path("workspace/new/", workspace.draft_create, name="draft-create"),
    path("workspace/<uuid:tender_id>/<slug:action>/", workspace.tender_action,
         name="tender-action"),
]
