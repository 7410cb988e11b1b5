"""Placeholder until the portal pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("portal/<int:pk>/", _todo, name="portal_answer"),
]
