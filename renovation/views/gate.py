"""Renovation pages: gate (built in issue 15's page work)."""

urlpatterns: list = []
