"""The shift log's API under /api/v1/ (desk/api.py)."""

from rest_framework.routers import SimpleRouter

from desk import api

router = SimpleRouter()
router.register("shift-log", api.LogEntryViewSet, basename="logentry")
router.register("handovers", api.HandoverViewSet, basename="handover")
router.register("handover-items", api.HandoverItemViewSet, basename="handoveritem")
urlpatterns = router.urls
