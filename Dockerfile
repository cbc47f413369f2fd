# readiness-gate operator image: `docker build -t readiness-gate:0.1.0 .`
# Build stage: the same scripts as a developer machine (scripts/setup.sh, scripts/build.sh).
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh build
COPY . .
RUN BUILD_DIR=build BUILD_TYPE=Release bash scripts/build.sh --target readiness-gate \
    && strip build/readiness-gate

# Runtime stage: the shared libraries the binary links (ldd; tests/install checks the list
# against the build) and CA certificates for HTTPS checks; nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       ca-certificates \
       libbrotli1 \
       libcpprest2.10 \
       libfmt9 \
       libgcc-s1 \
       libspdlog1.10 \
       libssl3 \
       libstdc++6 \
       libyaml-cpp0.7 \
       zlib1g \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/readiness-gate /usr/local/bin/readiness-gate
# Numeric, so Kubernetes can verify runAsNonRoot; the chart's runAsUser is the same.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["readiness-gate", "run"]
