"""The renovation API under /api/v1/ (renovation/api.py)."""

from rest_framework.routers import SimpleRouter

from renovation import api

# SimpleRouter: the API root at /api/v1/ is the registry router's.
router = SimpleRouter()
router.register("renovations", api.RenovationViewSet, basename="renovation")
router.register("worker-passes", api.WorkerPassViewSet, basename="worker-pass")
urlpatterns = router.urls
