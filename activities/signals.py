"""Events other apps listen to. ``activity_finished`` is sent inside the transaction that
marks an activity held, so a receiver's writes (the callbacks app makes one callback per
household that took part) commit or roll back with it."""

from django.dispatch import Signal

activity_finished = Signal()  # kwargs: activity, now
