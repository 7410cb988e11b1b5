"""The incident pages under /incidents/ (incidents/views.py)."""

from incidents.views import app_name, urlpatterns  # noqa: F401
