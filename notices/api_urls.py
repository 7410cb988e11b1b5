"""The notices API under /api/v1/ (notices/api.py)."""

from rest_framework.routers import SimpleRouter

from notices import api

router = SimpleRouter()
router.register("notices", api.NoticeViewSet, basename="notice")
urlpatterns = router.urls
