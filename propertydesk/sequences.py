from django.db import connection


def next_value(key: str) -> int:
    """The next number of a gapless sequence; call inside the transaction that uses it."""
    return next_values(key, 1)[0]


def next_values(key: str, count: int) -> range:
    """The next ``count`` numbers of a gapless sequence, reserved in one statement; call
    inside the transaction that uses them (a rollback gives them all back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO propertydesk_sequence (key, value) VALUES (%s, %s)
            ON CONFLICT (key) DO UPDATE SET value = propertydesk_sequence.value + EXCLUDED.value
            RETURNING value
            """,
            [key, count],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)
