"""The activities API under /api/v1/ (activities/api.py)."""

from rest_framework.routers import SimpleRouter

from activities import api

router = SimpleRouter()
router.register("activities", api.ActivityViewSet, basename="activity")
urlpatterns = router.urls
