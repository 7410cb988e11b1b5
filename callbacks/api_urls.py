from rest_framework.routers import SimpleRouter

from callbacks import api

# SimpleRouter: the API root at /api/v1/ is the registry router's.
router = SimpleRouter()
router.register("callbacks", api.CallbackViewSet, basename="callback")
router.register("callback-rules", api.CallbackRuleViewSet, basename="callback-rule")
urlpatterns = router.urls
