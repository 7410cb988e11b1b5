"""The desk reports' API under /api/v1/ (pages/api.py)."""

from rest_framework.routers import SimpleRouter

from pages import api

router = SimpleRouter()
router.register("desk-reports", api.DeskReportViewSet, basename="desk-report")
urlpatterns = router.urls
