"""Renovation pages: portal (built in issue 15's page work)."""

urlpatterns: list = []
