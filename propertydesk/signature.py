"""A signature drawn on a canvas pad: the customer's on the worker's phone, the owner's
at a callback, the parties' to a renovation's papers. In the core because those apps
do not import each other.

The browser sends the canvas as a ``data:image/png;base64,...`` URL. It is accepted
only if it decodes to a PNG with ink on it, and is stored re-encoded (nothing else the
upload might carry survives)."""

from __future__ import annotations

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 400_000
PREFIX = "data:image/png;base64,"
# The longest data URL a form or the API takes: MAX_BYTES of PNG in base64.
SIGNATURE_MAX_LENGTH = len(PREFIX) + 4 * -(-MAX_BYTES // 3)


def signature_from_data_url(data_url: str) -> bytes:
    """PNG bytes of a signature drawn on the pad, or a ValidationError for the field."""
    if not data_url or not data_url.startswith(PREFIX):
        raise ValidationError(_("The customer has not signed."), code="no_signature")
    try:
        raw = base64.b64decode(data_url[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("The signature could not be read. Ask the customer to sign again."),
                              code="bad_signature") from None
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("The signature image is too large."), code="bad_signature")
    try:
        image = Image.open(io.BytesIO(raw))
        if image.format != "PNG" or image.width > 2000 or image.height > 2000:
            raise ValidationError(_("The signature could not be read. Ask the customer to sign again."),
                                  code="bad_signature")
        image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError):
        raise ValidationError(_("The signature could not be read. Ask the customer to sign again."),
                              code="bad_signature") from None
    if not _has_ink(image):
        raise ValidationError(_("The signature box is empty. Ask the customer to sign."), code="no_signature")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _has_ink(image: Image.Image) -> bool:
    """Any pixel that is neither transparent nor white."""
    alpha_box = image.getchannel("A").getbbox()
    if alpha_box is None:
        return False
    grey = image.convert("L")
    opaque = image.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = grey.point(lambda v: 255 if v < 200 else 0)
    from PIL import ImageChops

    return ImageChops.multiply(dark, opaque).getbbox() is not None
