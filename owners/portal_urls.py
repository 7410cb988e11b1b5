from django.urls import path

from owners import views

app_name = "portal"
urlpatterns = [
    path("units/<int:pk>/", views.portal_unit, name="unit"),
]
