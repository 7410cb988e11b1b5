"""Placeholder until the desk pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("", _todo, name="queue"),
    path("new/", _todo, name="register"),
    path("<int:pk>/", _todo, name="detail"),
    path("<int:pk>/print/", _todo, name="print"),
    path("<int:pk>/<slug:name>/", _todo, name="action"),
    path("prices/", _todo, name="price_list"),
    path("from-complaint/<int:complaint_pk>/", _todo, name="from_complaint"),
    path("acceptances/<int:pk>/signature.png", _todo, name="signature"),
]
