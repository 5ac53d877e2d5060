# syntax=docker/dockerfile:1
# The serving image of one model release (docs/release.md), built from the release directory
# alone: `make release-assets` copies this file into it beside the model, params, data contract,
# the project's wheel, pyproject.toml and uv.lock, all listed in SHA256SUMS, and
# `make image` runs `docker build dist/release`. Nothing comes from the repository checkout: the
# build checks every file against SHA256SUMS, installs the runtime dependencies locked in uv.lock
# and then the wheel, and the server reads everything else from /app/release.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the checked release, a virtual environment from its uv.lock (no dev tools), the wheel
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
COPY pyproject.toml uv.lock ./
# Dependencies first: this layer is reused until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY . /release/
WORKDIR /release
# Fail the build unless every release file matches SHA256SUMS, and the contract and exactly one
# wheel are among them (the server checks the files again at start); then install that wheel.
RUN sha256sum --check --strict SHA256SUMS \
 && { grep -Eq '^[0-9a-f]{64}  contract\.yaml$' SHA256SUMS \
      || { echo "SHA256SUMS lists no contract.yaml: rebuild with make release-assets" >&2; exit 1; }; } \
 && { [ "$(grep -Ec '^[0-9a-f]{64}  [^/ ]+\.whl$' SHA256SUMS)" = 1 ] \
      || { echo "SHA256SUMS lists no single wheel: rebuild with make release-assets" >&2; exit 1; }; }
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install --python /app/.venv/bin/python --no-deps \
      "/release/$(grep -Eo '[^ /]+\.whl$' SHA256SUMS)"

# --- runtime: the environment and the checked release, as a non-root user ------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="tabml model server" \
      org.opencontainers.image.description="FastAPI server of one tabml model release" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 tabml \
 && useradd --system --no-log-init --uid 10001 --gid 10001 --home-dir /app \
      --shell /usr/sbin/nologin tabml
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# The release, with its own params.yaml and contract.yaml (/predict validates records against it).
COPY --from=build /release/ release/
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
