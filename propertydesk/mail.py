"""An e-mail backend for tests and staging: each message kept once by its Message-ID
(the outbox's idempotency key) in the Redis gateway store of propertydesk.sms."""

from django.core.mail.backends.base import BaseEmailBackend

from propertydesk.sms import RecordingGateway


class RecordingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        gateway = RecordingGateway("email")
        for message in email_messages:
            key = message.extra_headers.get("Message-ID", "")
            for to in message.recipients():
                gateway.accept(key=key, to=to, text=f"{message.subject}\n{message.body}")
        return len(email_messages)
