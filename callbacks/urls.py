"""Callback pages: the desk's queue and forms, supervisors' rates and spot checks, the
owner's online answer. Each group lives in its own module under callbacks/views/."""

from callbacks.views import desk, portal

app_name = "callbacks"
urlpatterns = desk.urlpatterns + portal.urlpatterns
