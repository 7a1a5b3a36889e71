# ERP application image: one image for the web (gunicorn), worker and beat (celery) services.
# See docs/deploy.md. Build with `docker compose build` (or `docker build -t erp:latest .`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext provides msgfmt for `compilemessages`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# The application runs as an unprivileged user; the code stays owned by root (read-only to it).
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Runtime dependencies only (no requirements-dev.txt); a separate layer so code changes reuse it.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Compile translations and collect static files (served by whitenoise from var/staticfiles).
# The settings must import, so give them throwaway values on this RUN line only; nothing connects
# to the database or Redis here. locale/ is created in case a checkout has no catalogues yet
# (compilemessages refuses to run without any locale directory).
RUN mkdir -p locale var/media \
    && export DEBUG=0 SECRET_KEY=build-only-key-never-used-at-run-time-0123456789abcdefgh ALLOWED_HOSTS=localhost \
        DATABASE_URL=postgresql://x@localhost/x REDIS_URL=redis://localhost:6379/0 \
    && python manage.py compilemessages --ignore=.venv --ignore=var \
    && python manage.py collectstatic --noinput \
    && chown -R app:app var

USER app

EXPOSE 8000

CMD ["gunicorn", "erp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
