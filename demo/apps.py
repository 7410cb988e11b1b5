from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo estate (``manage.py seed_demo``): sits above every app and is imported
    by none. It has no models: it writes through the apps' services."""

    name = "demo"
