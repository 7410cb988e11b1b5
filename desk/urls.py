"""The shift log's pages under /shift-log/ (desk/views.py)."""

from desk.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
