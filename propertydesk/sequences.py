from django.db import connection


def next_value(key: str) -> int:
    """The next number of a gapless sequence; call inside the transaction that uses it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO propertydesk_sequence (key, value) VALUES (%s, 1)
            ON CONFLICT (key) DO UPDATE SET value = propertydesk_sequence.value + 1
            RETURNING value
            """,
            [key],
        )
        return cursor.fetchone()[0]
