"""Renovation pages: desk (built in issue 15's page work)."""

urlpatterns: list = []
