from rest_framework.routers import SimpleRouter

from fees import api

# SimpleRouter: the API root at /api/v1/ is the registry router's.
router = SimpleRouter()
router.register("fee-standards", api.FeeStandardViewSet, basename="fee-standard")
router.register("bills", api.BillViewSet, basename="bill")
router.register("payments", api.PaymentViewSet, basename="payment")
router.register("dunning-notices", api.DunningNoticeViewSet, basename="dunning-notice")
router.register("arrears", api.ArrearsViewSet, basename="arrears")
router.register("month-reports", api.MonthReportViewSet, basename="month-report")
urlpatterns = router.urls
