from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.intake, name="intake"),
    path("units/lookup/", views.unit_lookup, name="unit_lookup"),
    path("units/notes/", views.intake_notes, name="intake_notes"),
    path("clusters/", views.clusters, name="clusters"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/phone/", views.reveal_phone, name="reveal_phone"),
    path("<int:pk>/<slug:name>/", views.action, name="action"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("suggestions/new/", views.suggestion_create, name="suggestion_create"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion"),
    path("portal/", views.portal_list, name="portal_list"),
    path("portal/new/", views.portal_create, name="portal_create"),
    path("portal/<int:pk>/", views.portal_detail, name="portal_detail"),
    path("portal/suggestions/new/", views.portal_suggestion_create, name="portal_suggestion_create"),
    path("portal/suggestions/<int:pk>/", views.portal_suggestion, name="portal_suggestion"),
]
