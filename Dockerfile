# syntax=docker/dockerfile:1
# The serving image of one model release (docs/release.md): the locked runtime dependencies, the
# package, and the release files, checked against their SHA256SUMS at build time. Everything the
# server reads (model, params, data contract, release.json, metrics) comes from the release
# directory alone, never from data/ or the working tree. Build it after
# `make release-model release-assets` (release.yml does), e.g. `make image IMAGE=tabml:dev`.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtual environment from uv.lock (no dev tools), with the package installed ----
FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
# Dependencies first: this layer is reused until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY src/ src/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# --- runtime: the environment and the verified release, as a non-root user ----------------------
FROM ${PYTHON_IMAGE}
ARG RELEASE_DIR=dist/release
LABEL org.opencontainers.image.title="tabml model server" \
      org.opencontainers.image.description="FastAPI server of one tabml model release" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 tabml \
 && useradd --system --no-log-init --uid 10001 --gid 10001 --home-dir /app \
      --shell /usr/sbin/nologin tabml
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# The release, with its own params.yaml and contract.yaml (/predict validates records against it).
COPY ${RELEASE_DIR}/ release/
# Fail the build unless every release file matches SHA256SUMS and the contract is one of them
# (the server checks both again at start).
WORKDIR /app/release
RUN sha256sum --check --strict SHA256SUMS \
 && { grep -Eq '^[0-9a-f]{64}  contract\.yaml$' SHA256SUMS \
      || { echo "SHA256SUMS lists no contract.yaml: rebuild with make release-assets" >&2; exit 1; }; }
WORKDIR /app
RUN mkdir logs && chown 10001:10001 logs
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
ENTRYPOINT ["tabml", "serve"]
CMD ["--model", "release", "--params", "release/params.yaml", "--host", "0.0.0.0", "--port", "8000"]
