"""The activity pages under /activities/: the desk's (views/desk.py) and the owner's portal
(views/portal.py)."""

from activities.views import desk, portal

app_name = "activities"
urlpatterns = desk.urlpatterns + portal.urlpatterns
