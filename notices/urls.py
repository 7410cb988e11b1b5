"""The notice pages under /notices/: the desk's (views/desk.py) and the owner's portal
(views/portal.py)."""

from notices.views import desk, portal

app_name = "notices"
urlpatterns = desk.urlpatterns + portal.urlpatterns
