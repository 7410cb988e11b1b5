"""Placeholder until the desk pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("", _todo, name="home"),
    path("standards/", _todo, name="standards"),
    path("bills/", _todo, name="bills"),
    path("bills/<int:pk>/", _todo, name="bill"),
    path("units/<int:pk>/", _todo, name="unit_account"),
    path("payments/<int:pk>/", _todo, name="payment"),
    path("receipts/<int:pk>/print/", _todo, name="receipt_print"),
]
