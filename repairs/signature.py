"""The customer's signature on the worker's phone: the pad's check is the core's
(``propertydesk.signature``), shared with callbacks and renovation."""

from propertydesk.signature import MAX_BYTES, PREFIX, SIGNATURE_MAX_LENGTH, signature_from_data_url

__all__ = ["MAX_BYTES", "PREFIX", "SIGNATURE_MAX_LENGTH", "signature_from_data_url"]
