from django.urls import path

from owners import views

app_name = "owners"
urlpatterns = [
    path("", views.owner_list, name="list"),
    path("new/", views.owner_create, name="create"),
    path("<int:pk>/edit/", views.owner_edit, name="edit"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path("ownerships/<int:pk>/move-out/", views.ownership_moves, name="ownership_move_out"),
]
