from rest_framework.routers import SimpleRouter

from complaints import api

# SimpleRouter: the API root at /api/v1/ is the registry router's.
router = SimpleRouter()
router.register("complaints", api.ComplaintViewSet, basename="complaint")
router.register("suggestions", api.SuggestionViewSet, basename="suggestion")
urlpatterns = router.urls
