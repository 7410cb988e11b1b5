from django.urls import path

from owners import views

# The unit's page (``owners:unit``, owners/units/<pk>/) shows every app's records of the
# unit: it is served from pages/urls.py under this name.

app_name = "owners"
urlpatterns = [
    path("", views.owner_list, name="list"),
    path("new/", views.owner_create, name="create"),
    path("<int:pk>/edit/", views.owner_edit, name="edit"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path("ownerships/<int:pk>/move-out/", views.ownership_moves, name="ownership_move_out"),
]
