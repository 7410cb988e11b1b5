"""Photos on work orders (issue 18): the owner's with a repair request from the portal,
the worker's before and after the work from his phone. Each goes through the one upload
path (a picture only, re-encoded without EXIF, at most FILES_MAX_PHOTOS at a time), and
comes back only through the order's own access rule: the desk, the order's worker, the
order's owner (the worker's photos once the work is done); anyone else gets a 404."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from repairs import services
from repairs.models import Status, WorkOrder, WorkOrderPhoto
from tests import uploads as u
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.repairs.test_worker_pages import completed, dispatched_to, on_site, step


@pytest.fixture(autouse=True)
def production(settings, tmp_path, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the staff's pages in English (owners: their language)
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def owners(shop):
    shop["owner"].user = UserFactory(username="lina")
    shop["owner"].language = "en"
    shop["owner"].save(update_fields=["user", "language"])
    other = make_owner(name="王强", phone="13700001111")
    give_unit(other, UnitFactory(number="3-1-1204", building=shop["unit"].building))
    other.user = UserFactory(username="wangqiang")
    other.save(update_fields=["user"])
    shop["other"] = other
    return shop


def photo(name="漏水.jpg", content=None):
    return SimpleUploadedFile(name, content or u.jpeg_with_gps(size=(64, 48)), content_type="image/jpeg")


def photo_url(item: WorkOrderPhoto) -> str:
    return reverse("repairs:photo", args=[item.work_order_id, item.pk])


def request_repair(client, owners, *files, **fields):
    client.force_login(owners["owner"].user)
    data = {"kind": "repair", "unit": owners["unit"].pk, "trade": "plumbing",
            "description": "卫生间水龙头一直滴水", "photos": list(files), **fields}
    return client.post(reverse("repairs:portal_new") + "?kind=repair", data)


# ---- the owner's request ---------------------------------------------------------


def test_owner_requests_a_repair_with_a_photo_and_sees_it_without_its_gps(client, owners):
    # when
    response = request_repair(client, owners, photo())

    # then
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("repairs:portal_detail", args=[order.pk])
    item = order.photos.get()
    assert item.stage == "request" and item.content_type == "image/jpeg" and item.taken_by == owners["owner"].user
    assert b"PhoneMaker" not in item.file.open("rb").read()
    page = client.get(reverse("repairs:portal_detail", args=[order.pk]))
    assert f'src="{photo_url(item)}"' in page.content.decode()
    answer = client.get(photo_url(item))
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_a_web_page_dressed_as_a_photo_is_refused_on_the_field_and_nothing_is_recorded(client, owners):
    response = request_repair(client, owners, photo("漏水.jpg", u.HTML))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["photos"]
    assert "漏水.jpg is not a photo" in response.content.decode()
    assert not WorkOrder.objects.exists() and not WorkOrderPhoto.objects.exists()


def test_more_photos_than_the_setting_allows_are_refused_on_the_field(client, owners, settings):
    settings.FILES_MAX_PHOTOS = 2

    response = request_repair(client, owners, photo("1.jpg"), photo("2.jpg"), photo("3.jpg"))

    assert response.status_code == 400
    assert "Add at most 2 photos at a time." in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_photo_larger_than_the_limit_is_refused(client, owners, settings):
    settings.FILES_MAX_IMAGE_BYTES = 1024

    response = request_repair(client, owners, photo("大.png", u.png(size=(400, 400))))

    assert response.status_code == 400
    assert "大.png is larger than 1 KB." in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_the_desk_and_the_assigned_worker_see_the_owners_photo_another_owner_and_another_worker_do_not(
        client, owners):
    # given: an order from the portal with a photo, dispatched to the plumber
    request_repair(client, owners, photo())
    order = WorkOrder.objects.get()
    services.work_order_judge(order=order, accept=True, actor=owners["desk"], now=timezone.now())
    services.work_order_dispatch(order=order, worker=owners["plumber"], actor=owners["desk"], now=timezone.now())
    url = photo_url(order.photos.get())

    # then: the desk sees it on the order, and so does the plumber on his phone
    client.force_login(owners["desk"])
    assert f'src="{url}"' in client.get(reverse("repairs:detail", args=[order.pk])).content.decode()
    assert client.get(url).status_code == 200
    client.force_login(owners["plumber"].user)
    assert f'src="{url}"' in client.get(reverse("repairs:my_order", args=[order.pk])).content.decode()
    assert client.get(url).status_code == 200
    # but: another owner, another worker and finance get a 404; nobody signed in, the login
    for user in (owners["other"].user, owners["electrician"].user, UserFactory(username="fin", role="finance")):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.username
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("login"))


# ---- the worker's before and after -----------------------------------------------


def test_the_worker_adds_a_before_photo_and_completes_with_an_after_photo(client, owners):
    # given: the plumber on site
    plumber = owners["plumber"]
    order = on_site(owners, plumber)
    client.force_login(plumber.user)

    # when: a photo before the work, then completing with one of the result
    response = step(client, order, "photos", {"stage": "before", "photos": [photo("前.jpg")]}, follow=True)
    assert "1 photo from before the work added." in response.content.decode()
    step(client, order, "complete", {"note": "已更换阀芯", "photos": [photo("后.jpg"), photo("后2.jpg")]})

    # then: both kinds are on the order, with their time and who took them
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    stages = list(order.photos.values_list("stage", "taken_by__username"))
    assert stages == [("before", "plumber"), ("after", "plumber"), ("after", "plumber")]
    page = client.get(reverse("repairs:my_order", args=[order.pk])).content.decode()
    assert 'data-photo-stage="before"' in page and 'data-photo-stage="after"' in page
    assert "2 photos of the finished work" in page  # the timeline says so
    client.force_login(owners["desk"])
    desk_page = client.get(reverse("repairs:detail", args=[order.pk])).content.decode()
    for item in order.photos.all():
        assert f'src="{photo_url(item)}"' in desk_page


def test_the_owner_sees_the_workers_photos_only_once_the_work_is_done(client, owners):
    # given: a before photo while the work is under way
    plumber = owners["plumber"]
    order = on_site(owners, plumber)
    before = services.work_order_add_photos(order=order, worker=plumber, stage="before", photos=[photo()],
                                            now=timezone.now())[0]
    client.force_login(owners["owner"].user)

    # then: not yet for the owner
    assert client.get(photo_url(before)).status_code == 404
    assert photo_url(before) not in client.get(reverse("repairs:portal_detail", args=[order.pk])).content.decode()

    # when: the work is done
    services.work_order_complete(order=order, worker=plumber, photos=[photo("后.jpg")], now=timezone.now())

    # then: the owner sees before and after; the other owner still nothing
    page = client.get(reverse("repairs:portal_detail", args=[order.pk])).content.decode()
    for item in order.photos.all():
        assert f'src="{photo_url(item)}"' in page
        assert client.get(photo_url(item)).status_code == 200
    client.force_login(owners["other"].user)
    assert client.get(photo_url(before)).status_code == 404


def test_before_photos_stop_when_the_work_is_done_and_only_the_orders_worker_adds_photos(owners):
    plumber = owners["plumber"]
    order = completed(owners, plumber)

    with pytest.raises(ValidationError) as refused:
        services.work_order_add_photos(order=order, worker=plumber, stage="before", photos=[photo()],
                                       now=timezone.now())
    assert "until it is done" in refused.value.messages[0]
    with pytest.raises(ValidationError) as empty:
        services.work_order_add_photos(order=order, worker=plumber, stage="after", photos=[], now=timezone.now())
    assert empty.value.message_dict == {"photos": ["Choose or take a photo."]}
    with pytest.raises(Exception) as not_his:
        services.work_order_add_photos(order=order, worker=owners["plumber2"], stage="after", photos=[photo()],
                                       now=timezone.now())
    assert "not your work order" in str(not_his.value)
    assert not order.photos.exists()


def test_a_photo_step_with_no_file_is_answered_on_the_field_not_with_an_error_page(client, owners):
    order = on_site(owners, owners["plumber"])
    client.force_login(owners["plumber"].user)

    response = step(client, order, "photos", {"stage": "sideways"})

    assert response.status_code == 400
    assert not order.photos.exists()


# ---- completion that requires an after photo (a setting, off by default) ---------


def test_completion_needs_no_photo_by_default(owners):
    order = completed(owners, owners["plumber"])
    assert order.status == Status.COMPLETED and not order.photos.exists()


def test_with_the_setting_on_completion_without_an_after_photo_is_refused_on_the_field(client, owners, settings):
    settings.WORK_ORDER_REQUIRE_AFTER_PHOTO = True
    plumber = owners["plumber"]
    order = on_site(owners, plumber)
    client.force_login(plumber.user)

    # when: completing with no photo
    response = step(client, order, "complete", {"note": "好了"})

    # then: refused on the photo box, the order still on site
    assert response.status_code == 400
    assert "Take a photo of the finished work" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.ON_SITE and order.completed_at is None

    # when: with the photo in the same form
    step(client, order, "complete", {"note": "好了", "photos": [photo("后.jpg")]})

    # then: completed
    order.refresh_from_db()
    assert order.status == Status.COMPLETED and order.photos.filter(stage="after").count() == 1


def test_with_the_setting_on_an_after_photo_added_earlier_is_enough(owners, settings):
    settings.WORK_ORDER_REQUIRE_AFTER_PHOTO = True
    plumber = owners["plumber"]
    order = on_site(owners, plumber)
    services.work_order_add_photos(order=order, worker=plumber, stage="after", photos=[photo()], now=timezone.now())

    order = services.work_order_complete(order=order, worker=plumber, now=timezone.now())

    assert order.status == Status.COMPLETED


def test_a_taken_order_is_not_completed_whatever_the_photos(owners, settings):
    settings.WORK_ORDER_REQUIRE_AFTER_PHOTO = True
    plumber = owners["plumber"]
    order = dispatched_to(owners, plumber)
    services.work_order_take(order=order, worker=plumber, now=timezone.now())

    with pytest.raises(ValidationError) as refused:
        services.work_order_complete(order=order, worker=plumber, photos=[photo()], now=timezone.now())

    assert "cannot become" in refused.value.messages[0]
    assert not order.photos.exists()


# ---- the API: photos on the record, with URLs the caller may fetch; the worker uploads --


def api_token(user) -> dict:
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_worker_uploads_photos_through_the_api_and_the_record_lists_them_with_urls(client, owners):
    plumber = owners["plumber"]
    order = on_site(owners, plumber)
    auth = api_token(plumber.user)

    # when: two photos from before the work, as multipart
    response = client.post(f"/api/v1/work-orders/{order.pk}/photos/",
                           {"stage": "before", "photos": [photo("1.jpg"), photo("2.jpg")]}, **auth)

    # then: the order's record lists them, each with a URL the worker may fetch
    assert response.status_code == 200, response.content
    listed = response.json()["photos"]
    assert [p["stage"] for p in listed] == ["before", "before"]
    url = listed[0]["url"]
    assert url.startswith("http://testserver/api/v1/work-orders/")
    fetched = client.get(url, **auth)
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/jpeg"
    # and: the desk's reading of the record has them too
    desk = client.get(f"/api/v1/work-orders/{order.pk}/", **api_token(owners["desk"]))
    assert [p["id"] for p in desk.json()["photos"]] == [p["id"] for p in listed]


def test_the_api_hides_the_workers_photos_from_the_owner_until_the_work_is_done(client, owners):
    plumber = owners["plumber"]
    order = on_site(owners, plumber)
    before = services.work_order_add_photos(order=order, worker=plumber, stage="before", photos=[photo()],
                                            now=timezone.now())[0]
    owner = api_token(owners["owner"].user)
    path = f"/api/v1/work-orders/{order.pk}/photos/{before.pk}/"

    assert client.get(f"/api/v1/work-orders/{order.pk}/", **owner).json()["photos"] == []
    assert client.get(path, **owner).status_code == 404

    services.work_order_complete(order=order, worker=plumber, now=timezone.now())

    assert [p["stage"] for p in client.get(f"/api/v1/work-orders/{order.pk}/", **owner).json()["photos"]] == ["before"]
    assert client.get(path, **owner).status_code == 200
    assert client.get(path, **api_token(owners["other"].user)).status_code == 404


def test_an_upload_through_the_api_that_is_not_a_photo_is_a_400_naming_the_field(client, owners):
    order = on_site(owners, owners["plumber"])

    response = client.post(f"/api/v1/work-orders/{order.pk}/photos/",
                           {"stage": "after", "photos": [photo("x.jpg", u.HTML)]}, **api_token(owners["plumber"].user))

    assert response.status_code == 400
    assert "photos" in response.json() and not order.photos.exists()


def test_the_complaint_api_lists_its_files_and_serves_them_to_its_owner_only(client, owners):
    from complaints import services as complaints

    complaint = complaints.complaint_register(
        unit=owners["unit"], owner=owners["owner"], channel="portal", category="repair", description="渗水",
        attachments=[photo()], now=timezone.now(), actor=owners["owner"].user)

    record = client.get(f"/api/v1/complaints/{complaint.pk}/", **api_token(owners["owner"].user)).json()

    [attachment] = record["attachments"]
    assert attachment["content_type"] == "image/jpeg"
    assert client.get(attachment["url"], **api_token(owners["owner"].user)).status_code == 200
    assert client.get(attachment["url"], **api_token(owners["other"].user)).status_code == 404
    assert client.get(attachment["url"], **api_token(owners["desk"])).status_code == 200


def test_a_portal_complaint_takes_at_most_the_settings_number_of_files(owners, settings):
    from complaints import services as complaints

    settings.FILES_MAX_PHOTOS = 1
    with pytest.raises(ValidationError) as refused:
        complaints.complaint_register(
            unit=owners["unit"], owner=owners["owner"], channel="portal", category="repair", description="渗水",
            attachments=[photo("1.jpg"), photo("2.jpg")], now=timezone.now(), actor=owners["owner"].user)
    assert refused.value.message_dict == {"attachments": ["Attach at most 1 files."]}
