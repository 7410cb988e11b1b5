"""One way in and one way out for every uploaded file.

In: ``clean_upload`` judges a file by its content, never its name. A picture is opened
with Pillow (JPEG, PNG or WebP only: no SVG, no HTML, nothing Pillow merely tolerates),
turned upright and re-encoded from its pixels, so no EXIF (a phone's GPS position, the
camera's serial number) and nothing else the file carried survives. Where documents are
expected a PDF is accepted too, unchanged, but only if it has no active content. Sizes
are checked before a file is read. The caller stores the result under
``storage_name``: a name nobody can guess.

Out: ``serve`` sends a stored file to a reader the caller has already checked (the
record's own access rule): pictures inline, everything else as a download, never
sniffed, never in a shared cache. With FILES_ACCEL_REDIRECT_PREFIX set the bytes are
left to the reverse proxy (X-Accel-Redirect to an ``internal`` location) after the same
check. No URL serves MEDIA_ROOT directly.

Left over: a file is written when its row is saved, inside the transaction; if that
transaction rolls back later (a notification could not be queued, say), the file stays
with no row to name it. Nobody can reach it, and ``sweep_orphans`` (the daily
``propertydesk.files_sweep`` job) deletes such files once they are a day old.
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
import re
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

IMAGE = "image"  # a photo or a screenshot
DOCUMENT = "document"  # a photo, or a PDF
KINDS = (IMAGE, DOCUMENT)

# Formats Pillow is allowed to try: never the whole plugin list (EPS, for one, would
# hand the file to Ghostscript). MPO is how Pillow names many phones' JPEGs.
_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
_OPENED_AS = {"JPEG", "MPO", "PNG", "WEBP"}

# Sent inline, with their own type; anything else is a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp"}
PDF = "application/pdf"
# Sent as a download with their own type; anything else as bytes.
DOWNLOAD_TYPES = {PDF, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# What a PDF may not contain: scripts, actions run on opening or on events, programs to
# launch, files inside the file, Flash/3D media, XML forms (which script themselves),
# and form submission/import. /OpenAction and /AA are judged in the parsed document
# (an /OpenAction that only opens a page is harmless and common).
_PDF_ACTIVE = {
    "JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA",
    "SubmitForm", "ImportData", "GoToE", "Sound", "Movie", "Rendition",
}
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_PDF_MAX_OBJECTS = 200_000


@dataclass(frozen=True)
class CleanFile:
    """An upload that passed: the bytes to store and how to describe them."""

    content: bytes
    content_type: str
    extension: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def download_name(self) -> str:
        stem = posixpath.splitext(self.original_name)[0] or "file"
        return f"{stem}.{self.extension}"

    def as_file(self) -> ContentFile:
        """A Django file to assign to a FileField (its ``upload_to`` makes the real name)."""
        return ContentFile(self.content, name=f"upload.{self.extension}")


def display_name(name: str) -> str:
    """The browser's file name, fit to show in a message or a download: no folders, no
    control characters, at most 100 characters."""
    name = posixpath.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-100:] or _("the file")


def readable_size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    return f"{max(1, round(limit / 1024))} KB"


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def clean_upload(upload, *, kind: str, field: str) -> CleanFile:
    """Check and normalise one upload; a ValidationError naming ``field`` if it is refused.

    ``kind`` is IMAGE (a picture only) or DOCUMENT (a picture or a PDF)."""
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}")
    name = display_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", None)
    head = _read(upload, 5)
    is_pdf = head.startswith(b"%PDF-")
    limit = settings.FILES_MAX_DOCUMENT_BYTES if is_pdf else settings.FILES_MAX_IMAGE_BYTES
    if size is not None and size > limit:
        raise _refuse(field, _("%(name)s is larger than %(size)s.") % {"name": name, "size": readable_size(limit)},
                      "too_large")
    content = _read(upload, limit + 1)
    if len(content) > limit:
        raise _refuse(field, _("%(name)s is larger than %(size)s.") % {"name": name, "size": readable_size(limit)},
                      "too_large")
    if not content:
        raise _refuse(field, _("%(name)s is empty.") % {"name": name}, "empty")
    if is_pdf and kind == DOCUMENT:
        return _clean_pdf(content, name=name, field=field)
    return _clean_image(content, name=name, field=field, kind=kind)


def clean_uploads(uploads, *, kind: str, field: str) -> list[CleanFile]:
    """Every upload checked; one ValidationError naming ``field`` with a message per
    refused file, so nothing is stored unless all of them pass."""
    cleaned, messages = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_upload(upload, kind=kind, field=field))
        except ValidationError as exc:
            messages.extend(exc.error_dict[field])
    if messages:
        raise ValidationError({field: messages})
    return cleaned


def _read(upload, limit: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return data or b""


def _not_accepted(name: str, kind: str) -> str:
    if kind == IMAGE:
        return _("%(name)s is not a photo. Upload a JPEG, PNG or WebP picture.") % {"name": name}
    return _("%(name)s is neither a photo nor a PDF. Upload a JPEG, PNG or WebP picture, or a PDF.") % {"name": name}


def _clean_image(content: bytes, *, name: str, field: str, kind: str) -> CleanFile:
    too_big = _("%(name)s is too large a picture (more than %(pixels)s million pixels).") % {
        "name": name, "pixels": f"{settings.FILES_MAX_IMAGE_PIXELS / 1_000_000:g}"}
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; refuse there too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=_IMAGE_FORMATS)
            if image.format not in _OPENED_AS:
                raise _refuse(field, _not_accepted(name, kind), "not_accepted")
            if image.width * image.height > settings.FILES_MAX_IMAGE_PIXELS:
                raise _refuse(field, too_big, "too_many_pixels")
            source_format = image.format
            image.load()
            icc_profile = image.info.get("icc_profile")
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(field, too_big, "too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise _refuse(field, _not_accepted(name, kind), "not_accepted") from None

    keep_alpha = image.has_transparency_data
    mode = "RGBA" if keep_alpha else "RGB"
    image = image.convert(mode)
    if icc_profile:
        image = _to_srgb(image, icc_profile, mode)
    # A new image from the pixels alone: no EXIF, XMP, comments or text chunks come along.
    pixels = Image.frombytes(mode, image.size, image.tobytes())
    out = io.BytesIO()
    if keep_alpha or source_format == "PNG":
        pixels.save(out, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        pixels.save(out, format="JPEG", quality=85, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    return CleanFile(content=out.getvalue(), content_type=content_type, extension=extension, original_name=name)


def _to_srgb(image: Image.Image, icc_profile: bytes, mode: str) -> Image.Image:
    """Colours as the camera meant them (many phones shoot Display P3), without keeping
    the profile: the stored picture is plain sRGB."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _clean_pdf(content: bytes, *, name: str, field: str) -> CleanFile:
    active = _("%(name)s contains scripts or other active content. Save it again as a plain PDF "
               "(for example with “Print to PDF”).") % {"name": name}
    unreadable = _("%(name)s could not be read as a PDF.") % {"name": name}
    # Stream bodies are left out: compressed bytes spell "/JS" by chance in big files.
    if _names_in(_PDF_STREAM.sub(b" ", content)) & _PDF_ACTIVE:
        raise _refuse(field, active, "pdf_active_content")
    verdict = _pdf_verdict(content)
    if verdict == "encrypted":
        raise _refuse(field, _("%(name)s is protected by a password. Upload it without one.") % {"name": name},
                      "pdf_encrypted")
    if verdict == "unreadable":
        raise _refuse(field, unreadable, "pdf_unreadable")
    if verdict == "active":
        raise _refuse(field, active, "pdf_active_content")
    return CleanFile(content=content, content_type=PDF, extension="pdf", original_name=name)


def _names_in(data: bytes) -> set[str]:
    """Every PDF name in raw bytes, with #xx escapes decoded (/J#61vaScript is /JavaScript)."""
    names = set()
    for match in _PDF_NAME.finditer(data):
        raw = _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        names.add(raw.decode("latin-1"))
    return names


def _pdf_verdict(content: bytes) -> str:
    """"ok", "active", "encrypted" or "unreadable", from the parsed document: every
    object the cross-reference lists, including those packed in compressed object
    streams, which a byte scan cannot see."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a malformed upload is not our error
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            return "encrypted"
        references = [(num, gen) for gen, entries in reader.xref.items() for num in entries]
        references += [(num, 0) for num in reader.xref_objStm]
        if len(references) > _PDF_MAX_OBJECTS:
            return "unreadable"
        roots = [reader.trailer]
        for num, gen in references:
            try:
                obj = reader.get_object(IndirectObject(num, gen, reader))
            except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
                continue  # a dangling entry: a reader cannot use it either
            if obj is not None:
                roots.append(obj)
        for root in roots:
            stack, seen = [root], 0
            while stack:
                obj = stack.pop()
                seen += 1
                if seen > _PDF_MAX_OBJECTS:
                    return "unreadable"
                if isinstance(obj, DictionaryObject):
                    if _active_dictionary(obj, NameObject, ArrayObject):
                        return "active"
                    if isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm":
                        # Objects packed here that the cross-reference does not list.
                        if _names_in(obj.get_data()) & _PDF_ACTIVE:
                            return "active"
                    stack.extend(v for v in obj.values() if not isinstance(v, IndirectObject))
                elif isinstance(obj, ArrayObject):
                    stack.extend(v for v in obj if not isinstance(v, IndirectObject))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        return "unreadable"
    return "ok"


def _active_dictionary(obj, NameObject, ArrayObject) -> bool:
    for key, value in obj.items():
        if key[1:] in _PDF_ACTIVE:
            return True
        if isinstance(value, NameObject) and value[1:] in _PDF_ACTIVE:
            return True  # /S /JavaScript, /Type /EmbeddedFile, /Subtype /RichMedia
        if key == "/AA":
            return True  # actions on page, field or document events
        if key == "/OpenAction":
            target = value.get_object()
            # A destination ([page /Fit]) or a GoTo action only opens a page.
            if not (isinstance(target, ArrayObject) or (hasattr(target, "get") and target.get("/S") == "/GoTo")):
                return True
    return False


def storage_name(prefix: str, *, now: datetime, extension: str) -> str:
    """``<prefix>/<yyyy>/<mm>/<random>.<ext>``: nothing in it says whose file it is, and
    nobody can guess it."""
    local = timezone.localtime(now)
    return f"{prefix}/{local:%Y}/{local:%m}/{uuid.uuid4().hex}.{extension}"


def content_type_of(name: str) -> str:
    """For files stored before content types were recorded: judged by the name, and only
    ever one of the types ``serve`` sends inline or PDF; anything else is bytes."""
    guessed, _encoding = mimetypes.guess_type(name)
    return guessed if guessed in INLINE_TYPES or guessed == PDF else "application/octet-stream"


def serve(request, stored_file, *, filename: str, content_type: str = "") -> HttpResponse:
    """Send a stored file to a reader the caller has checked. Pictures inline, the rest
    as a download; never sniffed as something else, never kept by a shared cache."""
    if not stored_file or not stored_file.name:
        raise Http404
    content_type = content_type or content_type_of(stored_file.name)
    inline = content_type in INLINE_TYPES
    if not inline and content_type not in DOWNLOAD_TYPES:
        content_type = "application/octet-stream"
    prefix = settings.FILES_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(stored_file.name)
    else:
        try:
            handle = stored_file.storage.open(stored_file.name, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, display_name(filename))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=600"
    # Opened on its own, the file is a sandboxed document that runs nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


def stored_names() -> set[str]:
    """Every file name a record holds: each FileField of each installed model."""
    from django.apps import apps

    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.update(
                    name for name in model._default_manager.exclude(**{field.name: ""})
                    .values_list(field.name, flat=True).iterator(chunk_size=5000) if name
                )
    return names


def _stored_files(storage, folder: str = ""):
    folders, names = storage.listdir(folder)
    for name in names:
        yield posixpath.join(folder, name) if folder else name
    for sub in folders:
        yield from _stored_files(storage, posixpath.join(folder, sub) if folder else sub)


def sweep_orphans(*, as_of: datetime) -> str:
    """The ``propertydesk.files_sweep`` job: delete the stored files no record names that
    were written more than FILES_ORPHAN_GRACE_HOURS before ``as_of`` (a younger one may
    belong to an upload whose transaction has not committed yet)."""
    storage = default_storage
    try:
        files = list(_stored_files(storage))
    except FileNotFoundError:  # nothing was ever uploaded
        return "no stored files"
    cutoff = as_of - timedelta(hours=settings.FILES_ORPHAN_GRACE_HOURS)
    known = stored_names()
    removed = 0
    for name in files:
        if name not in known and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            removed += 1
    return f"{removed} of {len(files)} stored files named by no record removed"
