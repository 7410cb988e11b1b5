"""The renovation API under /api/v1/ (renovation/api.py)."""

urlpatterns: list = []
