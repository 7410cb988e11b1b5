"""Placeholder until the desk pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("", _todo, name="queue"),
    path("week/", _todo, name="week"),
    path("rates/", _todo, name="rates"),
    path("rules/", _todo, name="rules"),
    path("spot-checks/", _todo, name="spot_checks"),
    path("<int:pk>/", _todo, name="detail"),
    path("<int:pk>/<slug:name>/", _todo, name="action"),
    path("results/<int:pk>/signature.png", _todo, name="signature"),
]
