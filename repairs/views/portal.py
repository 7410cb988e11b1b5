"""Placeholder until the portal pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("portal/", _todo, name="portal_list"),
    path("portal/new/", _todo, name="portal_new"),
    path("portal/prices/", _todo, name="portal_prices"),
    path("portal/<int:pk>/", _todo, name="portal_detail"),
    path("portal/<int:pk>/cancel/", _todo, name="portal_cancel"),
]
