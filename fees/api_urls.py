"""Placeholder until the fees API is built."""

urlpatterns: list = []
