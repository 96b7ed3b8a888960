# The agreement assistant: API, chat page, widget and Teams bot on port 8000.
#
#   docker build -t samverkansassistenten .
#   docker run -p 8000:8000 -v assistent-data:/data samverkansassistenten
#
# Settings are ASSISTANT_* environment variables (docs/operations.md). The index is built into
# the image, owned by root and only read by the service; /data (answers, feedback) is the one
# writable place and belongs to the unprivileged user the service runs as.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 assistant \
    && useradd --system --uid 10001 --gid assistant --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin assistant

WORKDIR /app

# The core package alone serves (the bundled e5 model needs no PyTorch). `--build-arg
# EXTRAS=st` adds the sentence-transformers backend, with PyTorch pinned to a CPU build from
# PyTorch's own wheel index first (a layer of its own): PyPI's Linux wheels are CUDA builds
# of several GB.
ARG EXTRAS=""
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN if [ "$EXTRAS" = st ]; then pip install --index-url "$TORCH_INDEX" "torch==2.13.0"; fi

COPY pyproject.toml README.md ./
COPY assistant ./assistant
RUN pip install --no-compile ".${EXTRAS:+[$EXTRAS]}"

# The package is installed into site-packages, so the folders are named explicitly.
# The service listens on 0.0.0.0 (CMD), so the Teams endpoint without ASSISTANT_TEAMS_APP_ID
# refuses every call; ASSISTANT_TEAMS_ANONYMOUS=1 admits callers on the container's own
# loopback (e.g. `docker run --network host` with the Agents Playground), never others.
ENV ASSISTANT_CORPUS_DIR=/app/corpus \
    ASSISTANT_INDEX_DIR=/app/index \
    ASSISTANT_DATA_DIR=/data \
    ASSISTANT_PORT=8000 \
    ASSISTANT_TEAMS_ANONYMOUS=0

COPY corpus ./corpus
COPY index ./index

# Build the index at image build time: `assistant index` rebuilds it unless the copied one
# matches this corpus and these settings exactly, and `--check` fails the build otherwise.
# The embedding cache of the build stays out of the image. The index folder is made
# readable for the service user (a build creates it private to its owner).
RUN ASSISTANT_DATA_DIR=/tmp/index-build assistant index \
    && ASSISTANT_DATA_DIR=/tmp/index-build assistant index --check \
    && rm -rf /tmp/index-build \
    && chmod -R a+rX,go-w /app \
    && mkdir -p /data \
    && chown assistant:assistant /data

USER assistant:assistant
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["assistant", "serve", "--host", "0.0.0.0"]
