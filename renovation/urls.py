"""The renovation pages under /renovation/: the desk's (desk.py), the owner's portal
(portal.py) and the guard's gate check (gate.py), each module listing its own patterns."""

from renovation.views import desk, gate, portal

app_name = "renovation"
urlpatterns = desk.urlpatterns + portal.urlpatterns + gate.urlpatterns
