# One image for every safeshare process (web, relay, workers, projection runner, CLI).

# The web's styles: govuk-frontend's Sass built by npm (package-lock.json), as `make assets`.
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY safeshare/entrypoints/web/assets safeshare/entrypoints/web/assets
RUN mkdir -p safeshare/entrypoints/web/static && npm run build

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends openssl postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /data safeshare \
    && mkdir -p /data/school /keys /audit-key /tombstones /run/metrics \
    && chown safeshare:safeshare /data /data/school /keys /audit-key /tombstones /run/metrics
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY sharing sharing
COPY workers workers
COPY projections projections
COPY safeshare safeshare
COPY --from=assets /src/safeshare/entrypoints/web/static/app.css safeshare/entrypoints/web/static/
RUN pip install --no-cache-dir .
USER safeshare
ENV SAFESHARE_DATA=/data
ENTRYPOINT ["safeshare"]
