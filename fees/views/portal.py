"""Placeholder until the portal pages are built: the URL names are fixed."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urlpatterns = [
    path("portal/", _todo, name="portal_home"),
    path("portal/bills/<int:pk>/", _todo, name="portal_bill"),
    path("portal/receipts/<int:pk>/", _todo, name="portal_receipt"),
    path("portal/standards/", _todo, name="portal_standards"),
    path("portal/statements/", _todo, name="portal_statements"),
]
