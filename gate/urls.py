"""The gate's pages under /gate/: the desk's (views/desk.py) and the portal's (views/portal.py)."""

from gate.views import desk, portal

app_name = "gate"
urlpatterns = desk.urlpatterns + portal.urlpatterns
