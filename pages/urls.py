"""The site's root urlconf (ROOT_URLCONF). It sits in the top layer because it puts
every app together: the core's pages, each app's URLs, and the pages of this package,
served under the names of the app they belong to (``owners:detail``, ``portal:home``)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from owners import portal_urls as owner_portal_urls
from owners import urls as owner_urls
from pages import dashboard, desk_report_views, report_views, staff, views
from propertydesk import download_views, history_views
from propertydesk import views as core_views

api_v1 = [
    path("", include("owners.api_urls")),
    path("", include("complaints.api_urls")),
    path("", include("repairs.api_urls")),
    path("", include("callbacks.api_urls")),
    path("", include("fees.api_urls")),
    path("", include("renovation.api_urls")),
    path("", include("notices.api_urls")),
    path("", include("incidents.api_urls")),
    path("", include("gate.api_urls")),
    path("", include("activities.api_urls")),
    path("", include("desk.api_urls")),
    path("", include("pages.api_urls")),
    path("auth/token/", core_views.ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

owner_pages = [
    path("<int:pk>/", views.owner_detail, name="detail"),
    path("<int:pk>/reveal/", views.owner_reveal, name="reveal"),
    path("<int:pk>/units/", views.owner_add_unit, name="add_unit"),
    path("<int:pk>/portal-login/", views.owner_portal_login, name="portal_login"),
    path("<int:pk>/anonymise/", views.owner_anonymise, name="anonymise"),
    # the unit's page keeps its address and name; it shows every app's records of the unit
    path("units/<int:pk>/", views.unit_detail, name="unit"),
]
portal_pages = [
    path("", views.portal_home, name="home"),
    path("my-data/", views.portal_my_data, name="my_data"),
    path("my-data/file/", views.portal_my_data_file, name="my_data_file"),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("desk/", views.desk, name="desk"),
    *dashboard.urlpatterns,
    *report_views.urlpatterns,
    *desk_report_views.urlpatterns,
    path("healthz", core_views.healthz, name="healthz"),
    path("inbox/", core_views.inbox, name="inbox"),
    path("history/<str:label>/<int:pk>/", history_views.record_history, name="history"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("staff/", staff.staff_view, name="staff"),
    path("staff/<int:user_id>/", staff.staff_person, name="staff_person"),
    path("exports/<slug:name>.xlsx", download_views.export, name="export"),
    path("downloads/", download_views.downloads_page, name="downloads"),
    path("downloads/progress/", download_views.downloads_progress, name="downloads_progress"),
    path("downloads/<int:pk>/", download_views.download_file, name="download"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
    path("complaints/", include("complaints.urls")),
    path("work-orders/", include("repairs.urls")),
    path("callbacks/", include("callbacks.urls")),
    path("fees/", include("fees.urls")),
    path("renovation/", include("renovation.urls")),
    path("notices/", include("notices.urls")),
    path("incidents/", include("incidents.urls")),
    path("gate/", include("gate.urls")),
    path("activities/", include("activities.urls")),
    path("shift-log/", include("desk.urls")),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Django's set_language, which also keeps a logged-in reader's choice.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("owners/", include((owner_urls.urlpatterns + owner_pages, owner_urls.app_name))),
    path("portal/", include((owner_portal_urls.urlpatterns + portal_pages, owner_portal_urls.app_name))),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

# A database that does not answer is a 503 page (or JSON under /api/), rendered without it.
handler500 = "propertydesk.unavailable.server_error"
