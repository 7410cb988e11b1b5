"""Files for upload tests, made in code: real pictures from Pillow, hostile files as bytes."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(size=(40, 20), orientation=6) -> bytes:
    """A phone photo: EXIF with a GPS position (an estate in Shanghai) and an orientation
    that says "turn me 90° clockwise"."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 14.0, 21.5), 3: "E", 4: (121.0, 28.0, 12.25)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(size=(30, 30), alpha=False, text: dict | None = None) -> bytes:
    from PIL import PngImagePlugin

    image = Image.new("RGBA" if alpha else "RGB", size, (0, 120, 200, 128) if alpha else (0, 120, 200))
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def webp(size=(30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, format="WEBP")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width × height: a few hundred bytes that would unpack into
    gigabytes (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b"")


HTML = b"<!doctype html><html><body><script>fetch('/owners/')</script></body></html>"
SVG_WITH_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>")


def classic_pdf(objects: list[bytes]) -> bytes:
    """A PDF 1.4 with a plain cross-reference table; object 1 is the catalogue."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def packed_pdf(objects: list[bytes]) -> bytes:
    """A PDF 1.5 whose objects are all inside one compressed object stream, listed by a
    cross-reference stream: nothing of them is visible in the file's bytes."""
    count = len(objects)
    body, header = b"", []
    for number, obj in enumerate(objects, 1):
        header.append(b"%d %d" % (number, len(body)))
        body += obj + b"\n"
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + body)
    out = b"%PDF-1.5\n"
    stream_at = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (count + 1, count, len(head), len(data)) + data + b"\nendstream\nendobj\n")
    xref_at = len(out)
    rows = b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")
    rows += b"".join(b"\x02" + (count + 1).to_bytes(4, "big") + i.to_bytes(2, "big") for i in range(count))
    rows += b"\x01" + stream_at.to_bytes(4, "big") + b"\x00\x00"
    rows += b"\x01" + xref_at.to_bytes(4, "big") + b"\x00\x00"
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
            % (count + 2, count + 3, len(rows)) + rows + b"\nendstream\nendobj\n")
    return out + b"startxref\n%d\n%%%%EOF\n" % xref_at


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"
PLAIN = [CATALOG, PAGES, PAGE]
WITH_JAVASCRIPT = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", PAGES, PAGE,
                   b"<< /S /JavaScript /JS (app.alert('hi')) >>"]


def clean_pdf() -> bytes:
    return classic_pdf(PLAIN)


def pdf_with_javascript() -> bytes:
    return classic_pdf(WITH_JAVASCRIPT)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
