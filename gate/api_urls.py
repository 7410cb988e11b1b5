"""The gate's API under /api/v1/ (gate/api.py)."""

from rest_framework.routers import SimpleRouter

from gate import api

router = SimpleRouter()
router.register("gate/visitors", api.VisitViewSet, basename="gate-visit")
router.register("gate/item-passes", api.ItemPassViewSet, basename="gate-pass")
router.register("gate/cards", api.CardViewSet, basename="gate-card")
urlpatterns = router.urls
