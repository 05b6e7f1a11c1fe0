# One image for every safeshare process (relay, workers, projection runner, CLI).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends openssl postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /data safeshare \
    && mkdir -p /data /tombstones && chown safeshare:safeshare /data /tombstones
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY sharing sharing
COPY workers workers
COPY projections projections
COPY safeshare safeshare
RUN pip install --no-cache-dir .
USER safeshare
ENV SAFESHARE_DATA=/data
ENTRYPOINT ["safeshare"]
