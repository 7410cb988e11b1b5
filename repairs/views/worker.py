"""Placeholder until the worker pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("my/", _todo, name="my_orders"),
    path("my/<int:pk>/", _todo, name="my_order"),
    path("my/<int:pk>/<slug:name>/", _todo, name="my_action"),
]
