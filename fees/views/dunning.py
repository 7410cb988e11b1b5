"""Placeholder until the dunning pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("dunning/", _todo, name="dunning"),
    path("dunning/print/", _todo, name="dunning_print"),
    path("arrears/", _todo, name="arrears"),
    path("arrears/units/<int:pk>/", _todo, name="arrears_case"),
    path("reports/", _todo, name="reports"),
    path("reports/takings/", _todo, name="takings"),
    path("statements/", _todo, name="statements"),
]
