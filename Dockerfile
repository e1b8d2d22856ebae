# Production image: gunicorn serving Django (static files through whitenoise).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home app

# Dependencies only, straight from pyproject.toml: the app itself runs from /app.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY manage.py gunicorn.conf.py ./
COPY dashboard ./dashboard
COPY templates ./templates
COPY static ./static

# collectstatic needs settings to import; these build-time values never reach run time.
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    FLOWNALLY_API_URL=http://flownally.invalid/v1 FLOWNALLY_API_TOKEN=collectstatic-only \
    python manage.py collectstatic --noinput

USER 10001:10001

# 8000 serves the dashboard; 8001 answers liveness from gunicorn's master (gunicorn.conf.py).
ENV HEALTH_PORT=8001
EXPOSE 8000 8001

# Two workers (a 2-core host) with eight threads each: a request mostly waits on Flownally, and
# with four, 200 viewers queued for threads (make bench: p95 148 ms). Keep-alive outlasts
# the 2 s poll interval, so a polling browser keeps its connection.
# The background worker (bulk actions) is this same image with another command, one or more
# containers beside the web ones, same environment (DATABASE_URL above all):
#   docker run --env-file … IMAGE python manage.py db_worker --no-reload
# It finishes its current job on SIGTERM; a worker killed mid-job has the job taken over
# by another after BULK_LEASE_SECONDS (see dashboard/bulk/recovery.py).
CMD ["gunicorn", "dashboard.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "8", "--keep-alive", "5", "--access-logfile", "-"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8001/healthz', timeout=4).status != 200)"]
