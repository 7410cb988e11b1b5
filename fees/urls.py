"""Fee pages: the desk's (standards, bills, payments, receipts), dunning, arrears and
reports, and the owner portal. Each group lives in its own module under fees/views/."""

from fees.views import desk, dunning, portal

app_name = "fees"
urlpatterns = desk.urlpatterns + dunning.urlpatterns + portal.urlpatterns
