"""QR codes drawn on the server as inline SVG (no script, sharp at any print size): a
renovation worker's pass, an item pass for the guard's phone."""

import segno
from django.utils.safestring import mark_safe


def qr_svg(text: str, *, css_class: str) -> str:
    code = segno.make(text, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=1, border=2, omitsize=True, dark="#000", light="#fff",
                                     svgclass=css_class, lineclass=None))
