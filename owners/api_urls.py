from rest_framework.routers import DefaultRouter

from owners import api

router = DefaultRouter()
router.register("estates", api.EstateViewSet, basename="estate")
router.register("buildings", api.BuildingViewSet, basename="building")
router.register("units", api.UnitViewSet, basename="unit")
router.register("owners", api.OwnerViewSet, basename="owner")
urlpatterns = router.urls
