"""Placeholder until the callbacks API is built."""

urlpatterns: list = []
