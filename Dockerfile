# Rehearse on embedded defaults: SQLite and the chroma index under /data, the built-in peer engine.
# Set REHEARSE_LLM_BASE_URL (and _API_KEY, _MODEL) to use an OpenAI-compatible LLM instead.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    REHEARSE_DATA_DIR=/data \
    REHEARSE_HOST=0.0.0.0 \
    ANONYMIZED_TELEMETRY=False \
    HF_HUB_OFFLINE=1

WORKDIR /srv/rehearse
RUN pip install --no-cache-dir uv==0.13.9

# Dependencies first, from the lock file, so code edits do not reinstall them. --no-dev: the
# runtime only, as the README's run command installs (no pytest, ruff, mypy or playwright).
# EXTRAS="--extra postgres" adds the PostgreSQL driver (compose.yaml sets it).
ARG EXTRAS=""
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev $EXTRAS --no-install-project

# The service reads only what is in the package (app/knowledge, app/prompts, app/rubrics), and is
# installed as a wheel (--no-editable), as the wheel test checks outside Docker.
COPY app ./app
RUN uv sync --frozen --no-dev $EXTRAS --no-editable && rehearse index

RUN useradd --create-home rehearse && mkdir -p /data && chown -R rehearse /data
USER rehearse
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health')"
CMD ["rehearse", "serve"]
