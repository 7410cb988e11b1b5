"""Work-order pages: the desk's, the worker's phone, the owner portal. Each group of
pages lives in its own module under repairs/views/."""

from repairs.views import desk, portal, worker

app_name = "repairs"
urlpatterns = desk.urlpatterns + worker.urlpatterns + portal.urlpatterns
