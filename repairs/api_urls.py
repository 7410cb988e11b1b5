from rest_framework.routers import SimpleRouter

from repairs import api

# SimpleRouter: the API root at /api/v1/ is the registry router's.
router = SimpleRouter()
router.register("work-orders", api.WorkOrderViewSet, basename="work-order")
router.register("price-items", api.PriceItemViewSet, basename="price-item")
urlpatterns = router.urls
