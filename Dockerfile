# syntax=docker/dockerfile:1
# The DBSBM portal image: one image for every process (web, the Celery workers, beat, the migration Job); the
# command chooses (compose.yaml, the manifests of `manage.py k8s_manifests`). Two stages: `build` installs the
# requirements into a virtualenv and collects the static files; the slim runtime copies only those, runs as an
# unprivileged user (uid 10001) and can run with a read-only root file system (writable: /tmp and /data).
#   docker build --build-arg GIT_COMMIT="$(git rev-parse HEAD)" -t registry.example.com/dbsbm/portal:TAG .
# Images cannot be built on the development machines (no image registry is reachable): README, "Deployment".

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# plotly.js from the installed package, gridstack from the npm registry (pinned, hash-checked), then every
# static file into STATIC_ROOT (served by WhiteNoise). Production settings refuse to load without their
# secrets: build-time placeholders only, nothing here connects to a database or Redis.
RUN python scripts/vendor_plotly.py \
    && python scripts/vendor_gridstack.py \
    && DJANGO_SETTINGS_MODULE=dbsbm.settings.production \
       DJANGO_SECRET_KEY=build-time-placeholder-never-used-at-run-time-0123456789abcdef \
       DJANGO_ALLOWED_HOSTS=build.invalid \
       DATABASE_URL=postgres://build@build.invalid/build \
       REDIS_URL=redis://build.invalid:6379/0 \
       DBSBM_MASTER_KEY=YnVpbGQtdGltZS1wbGFjZWhvbGRlci1ub3QtYS1rZXk= \
       DBSBM_RESTRICTED_PUBLIC_KEY_FILE=/dev/null \
       python manage.py collectstatic --noinput --verbosity 0

FROM python:3.11-slim-bookworm AS runtime
ARG GIT_COMMIT=""
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=dbsbm.settings.production \
    DBSBM_DATA_DIR=/data/var \
    DBSBM_MEDIA_ROOT=/data/media \
    GIT_COMMIT=${GIT_COMMIT}
RUN groupadd --system --gid 10001 dbsbm \
    && useradd --system --uid 10001 --gid dbsbm --home-dir /app --no-create-home --shell /usr/sbin/nologin dbsbm \
    && mkdir -p /data/var /data/media \
    && chown -R dbsbm:dbsbm /data
COPY --from=build /opt/venv /opt/venv
# the code belongs to root: the app user can read it, never change it
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
# /healthz answers without the database (apps/core/views.py); the Host header must be one of ALLOWED_HOSTS
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; host = os.environ.get('DJANGO_ALLOWED_HOSTS', 'localhost').split(',')[0]; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=4)"]
CMD ["uvicorn", "dbsbm.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*"]
