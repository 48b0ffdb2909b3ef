# Production image: granian (WSGI) for web, the same image runs the Celery worker and beat.
# granian keeps connections alive and reads slow clients in Rust; in docker-compose.yml Caddy
# terminates TLS in front of it. Its shape (2 workers x 2 threads) was measured on 2 cores
# (docs/benchmarks.md).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production \
    GRANIAN_INTERFACE=wsgi GRANIAN_HOST=0.0.0.0 GRANIAN_PORT=8000 GRANIAN_WORKERS=2 GRANIAN_BLOCKING_THREADS=2 \
    GRANIAN_BACKLOG=2048 GRANIAN_RESPAWN_FAILED_WORKERS=true
WORKDIR /app
# The runtime lock only (no embedded engines, test or bench tools), every package checked against
# its hash.
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdef \
    DATA_PLATFORM_SECRET=build-only-collectstatic-secret-not-used-at-runtime-0123456789 \
    python manage.py collectstatic --no-input
RUN useradd --system --uid 10001 shop && mkdir -p /app/var && chown shop /app/var
USER shop
EXPOSE 8000
CMD ["granian", "config.wsgi:application"]
