"""The one upload path (propertydesk/files.py): judged by content, re-encoded, served
with headers that keep a file from becoming a page of ours."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory
from django.utils import translation
from PIL import Image

from propertydesk import files
from tests import uploads as u


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(content: bytes, name: str, kind=files.DOCUMENT) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        files.clean_upload(u.upload(name, content), kind=kind, field="attachments")
    assert set(caught.value.message_dict) == {"attachments"}
    return caught.value.message_dict["attachments"]


def test_phone_photo_is_turned_upright_and_loses_its_exif_and_gps_position():
    # given a JPEG whose EXIF holds a GPS position and says "rotate 90°"
    original = u.jpeg_with_gps(size=(40, 20), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(u.GPS_IFD)

    # when it is uploaded
    clean = files.clean_upload(u.upload("IMG_0001.JPG", original), kind=files.IMAGE, field="photo")

    # then it is a fresh JPEG, upright, with no metadata at all
    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    stored = Image.open(io.BytesIO(clean.content))
    assert stored.format == "JPEG"
    assert stored.size == (20, 40)
    assert not stored.getexif()
    assert "exif" not in stored.info and b"Exif" not in clean.content and b"PhoneMaker" not in clean.content
    assert clean.download_name == "IMG_0001.jpg"


def test_png_stays_png_keeps_transparency_and_loses_its_text_chunks():
    original = u.png(alpha=True, text={"Comment": "lat 31.23 lon 121.47", "Author": "lina"})

    clean = files.clean_upload(u.upload("screen.png", original), kind=files.IMAGE, field="photo")

    stored = Image.open(io.BytesIO(clean.content))
    assert (stored.format, stored.mode, clean.content_type) == ("PNG", "RGBA", "image/png")
    assert stored.getpixel((5, 5))[3] == 128
    assert not stored.text and b"lat 31.23" not in clean.content


def test_webp_photo_is_stored_as_jpeg():
    clean = files.clean_upload(u.upload("p.webp", u.webp()), kind=files.DOCUMENT, field="attachments")
    assert Image.open(io.BytesIO(clean.content)).format == "JPEG"
    assert clean.download_name == "p.jpg"


@pytest.mark.parametrize("name, content", [
    ("page.html", u.HTML),
    ("logo.svg", u.SVG_WITH_SCRIPT),
    ("photo.jpg", u.HTML),  # HTML renamed: the name does not count
    ("photo.png", u.SVG_WITH_SCRIPT),
    ("photo.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
])
def test_anything_that_is_not_a_picture_is_refused_whatever_its_name(name, content):
    for kind in files.KINDS:
        [message] = refusal(content, name, kind=kind)
        assert name in message


def test_clean_pdf_is_accepted_only_where_documents_are_expected():
    clean = files.clean_upload(u.upload("letter.pdf", u.clean_pdf()), kind=files.DOCUMENT, field="attachments")
    assert (clean.content_type, clean.extension, clean.content) == ("application/pdf", "pdf", u.clean_pdf())

    [message] = refusal(u.clean_pdf(), "letter.pdf", kind=files.IMAGE)
    assert "not a photo" in message


def test_pdf_opening_only_a_page_is_accepted():
    document = u.classic_pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>", u.PAGES, u.PAGE])
    assert files.clean_upload(u.upload("a.pdf", document), kind=files.DOCUMENT, field="f").content == document


@pytest.mark.parametrize("document", [
    u.pdf_with_javascript(),
    # the names spelt with #xx escapes: /J#61vaScript is /JavaScript
    u.classic_pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>",
                   u.PAGES, u.PAGE]),
    # everything inside a compressed object stream: invisible to a scan of the bytes
    u.packed_pdf(u.WITH_JAVASCRIPT),
    # a page that runs an action when it is opened
    u.packed_pdf([u.CATALOG, u.PAGES, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /AA << /O 4 0 R >> >>",
                  b"<< /S /Named /N /Print >>"]),
    u.classic_pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>", u.PAGES, u.PAGE]),
    u.classic_pdf([b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>", u.PAGES, u.PAGE,
                   b"<< /Names [] >>"]),
    u.classic_pdf([b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /XFA 4 0 R >> >>", u.PAGES, u.PAGE, b"[]"]),
], ids=["javascript", "escaped-names", "object-stream", "page-action", "launch", "embedded-file", "xfa"])
def test_pdf_with_active_content_is_refused(document):
    [message] = refusal(document, "invoice.pdf")
    assert "invoice.pdf" in message and "active content" in message


def test_a_compressed_pdf_is_read_not_refused_for_its_packing():
    document = u.packed_pdf(u.PLAIN)
    assert files.clean_upload(u.upload("a.pdf", document), kind=files.DOCUMENT, field="f").content == document


def test_broken_pdf_is_refused():
    [message] = refusal(b"%PDF-1.7\n<html><script>alert(1)</script>", "x.pdf")
    assert "could not be read" in message


def test_oversized_file_is_refused_before_it_is_read(settings):
    settings.FILES_MAX_IMAGE_BYTES = 1024

    class Huge:
        name, size, bytes_read = "big.jpg", 50 * 1024 * 1024, 0

        def read(self, n=-1):
            self.bytes_read += n
            return b"\xff\xd8\xff\xe0"[:n]

        def seek(self, _offset):
            pass

    upload = Huge()
    with pytest.raises(ValidationError) as caught:
        files.clean_upload(upload, kind=files.IMAGE, field="photo")
    assert caught.value.message_dict["photo"] == ["big.jpg is larger than 1 KB."]
    assert upload.bytes_read <= 5


def test_size_limits_are_per_kind(settings):
    settings.FILES_MAX_IMAGE_BYTES = 100 * 1024
    settings.FILES_MAX_DOCUMENT_BYTES = 100
    [message] = refusal(u.clean_pdf(), "long.pdf")
    assert message == "long.pdf is larger than 1 KB."
    assert files.clean_upload(u.upload("p.png", u.png()), kind=files.DOCUMENT, field="f")


def test_decompression_bomb_is_refused():
    [message] = refusal(u.png_header_only(100_000, 100_000), "bomb.png", kind=files.IMAGE)
    assert "million pixels" in message


def test_pixel_limit_is_a_setting(settings):
    settings.FILES_MAX_IMAGE_PIXELS = 500
    [message] = refusal(u.png(size=(30, 30)), "big.png", kind=files.IMAGE)
    assert "big.png" in message and "million pixels" in message


def test_every_bad_file_is_named_and_none_passes():
    with pytest.raises(ValidationError) as caught:
        files.clean_uploads([u.upload("ok.png", u.png()), u.upload("a.html", u.HTML), u.upload("b.svg", u.SVG_WITH_SCRIPT)],
                            kind=files.DOCUMENT, field="attachments")
    messages = caught.value.message_dict["attachments"]
    assert len(messages) == 2 and "a.html" in messages[0] and "b.svg" in messages[1]


def test_storage_names_say_nothing_and_cannot_be_guessed():
    import datetime as dt

    now = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)  # 1 December in Shanghai
    first, second = (files.storage_name("complaints", now=now, extension="jpg") for _ in range(2))
    assert re.fullmatch(r"complaints/2026/12/[0-9a-f]{32}\.jpg", first)
    assert first != second


def _stored(tmp_path, name: str, content: bytes) -> FieldFile:
    storage = FileSystemStorage(location=tmp_path)
    storage.save(name, io.BytesIO(content))

    class Field:
        pass

    field = Field()
    field.storage = storage
    return FieldFile(instance=None, field=field, name=name)


def test_picture_is_served_inline_never_sniffed_and_privately_cached(tmp_path):
    stored = _stored(tmp_path, "complaints/2026/12/abc.jpg", b"jpeg bytes")
    response = files.serve(RequestFactory().get("/"), stored, filename="楼上漏水.jpg", content_type="image/jpeg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"jpeg bytes"


@pytest.mark.parametrize("content_type, name, served_as", [
    ("application/pdf", "a.pdf", "application/pdf"),
    ("", "complaints/TS1/page.html", "application/octet-stream"),  # a file stored before the checks
    ("", "complaints/TS1/page.svg", "application/octet-stream"),
    ("text/html", "x.html", "application/octet-stream"),
])
def test_anything_but_a_picture_is_a_download(tmp_path, content_type, name, served_as):
    stored = _stored(tmp_path, name, b"<script>alert(1)</script>")
    response = files.serve(RequestFactory().get("/"), stored, filename=name, content_type=content_type)
    assert response["Content-Type"] == served_as
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_missing_file_is_a_404(tmp_path):
    from django.http import Http404

    stored = _stored(tmp_path, "a.jpg", b"x")
    stored.storage.delete("a.jpg")
    with pytest.raises(Http404):
        files.serve(RequestFactory().get("/"), stored, filename="a.jpg", content_type="image/jpeg")


def test_with_accel_redirect_the_proxy_sends_the_bytes(tmp_path, settings):
    settings.FILES_ACCEL_REDIRECT_PREFIX = "/protected-files/"
    stored = _stored(tmp_path, "complaints/2026/12/abc.pdf", b"%PDF-")
    response = files.serve(RequestFactory().get("/"), stored, filename="a.pdf", content_type="application/pdf")
    assert response["X-Accel-Redirect"] == "/protected-files/complaints/2026/12/abc.pdf"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
