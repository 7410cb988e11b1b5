"""Events other apps listen to, sent inside the writing transaction.

``work_order_completed`` (order, now): the callbacks issue creates the callback its
rule asks for (minor repair +3 days, major works +1 month, special service after
completion). ``work_order_signed_off`` (order, now): the customer accepted the work.
"""

from django.dispatch import Signal

work_order_completed = Signal()
work_order_signed_off = Signal()
