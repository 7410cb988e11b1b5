"""Events other apps listen to. ``complaint_resolved`` is sent inside the resolving
transaction, so a receiver's writes (the callbacks app creates the due callback)
commit or roll back with the resolution."""

from django.dispatch import Signal

complaint_resolved = Signal()  # kwargs: complaint, now
