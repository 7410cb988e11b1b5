# The production image: gunicorn serves the web app; the same image runs the
# Celery worker and beat (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The code in /app comes first for every process: celery puts the working directory on
# sys.path only while it imports the app, and the apps the early `pip install .` layer
# did not copy (notices, gate, ...) would then be missing from the worker and beat.
ENV PYTHONPATH=/app
WORKDIR /app

COPY pyproject.toml README.md ./
COPY propertydesk ./propertydesk
COPY owners ./owners
COPY complaints ./complaints
COPY repairs ./repairs
COPY callbacks ./callbacks
COPY fees ./fees
COPY renovation ./renovation
COPY pages ./pages
COPY demo ./demo
RUN pip install --no-cache-dir .

COPY . .
# Translations compiled and static files collected at build time; the build needs
# throwaway keys only because settings refuse to load without them when DEBUG is off.
RUN python -m propertydesk.devctl translations \
 && DEBUG=false SECRET_KEY=build FIELD_ENCRYPTION_KEY=build SMS_ALLOW_LOGGING_BACKEND=true \
    DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 propertydesk && mkdir -p /app/var && chown propertydesk /app/var
USER propertydesk
EXPOSE 8000
# Workers, timeout and access log: gunicorn.conf.py (WEB_CONCURRENCY, WEB_TIMEOUT, WEB_ACCESS_LOG).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "propertydesk.wsgi:application"]
