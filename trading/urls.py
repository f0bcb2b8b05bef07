from django.urls import path

from trading import views

app_name = "trading"

urlpatterns = [
    path("", views.tender_list, name="tender-list"),
    path("<uuid:tender_id>/", views.tender_detail, name="tender-detail"),
]
