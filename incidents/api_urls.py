"""The incidents API under /api/v1/ (incidents/api.py)."""

from rest_framework.routers import SimpleRouter

from incidents import api

router = SimpleRouter()
router.register("incidents", api.IncidentViewSet, basename="incident")
urlpatterns = router.urls
