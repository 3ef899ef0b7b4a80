# monitor as a container: the daemon by default, the store on a volume.
#   docker build -t monitor .
#   docker run -d -v monitor-data:/data monitor             # daemon (monitor run)
#   docker run --rm -v monitor-data:/data monitor poll      # one cron-style pass
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MONITOR_DB=/data/monitor.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
RUN pip install ".[serve]" \
    && useradd --create-home --uid 10001 monitor \
    && mkdir -p /data && chown monitor:monitor /data

USER monitor
VOLUME ["/data"]
WORKDIR /data

# Exits non-zero when an outlet is failing, a run's process died, the store cannot be read, or
# no run has completed in 2 h / the daemon's heartbeat stopped (a crash-looping daemon).
HEALTHCHECK --interval=5m --timeout=30s --start-period=2m \
    CMD ["monitor", "-q", "status", "--max-age", "2h"]

# monitor is PID 1, so `docker stop` (SIGTERM) reaches it directly: it finishes the article
# in hand and exits 0 within 5 s, well inside Docker's 10 s grace.
ENTRYPOINT ["monitor"]
CMD ["run"]
