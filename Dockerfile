# syntax=docker/dockerfile:1
# The refund worker image (target `runtime`, the last stage). The same image runs the refund API and
# console (`node dist/api.js`) and the codec server (`node dist/codec/main.js`). The Eko simulator,
# for local stacks only, has its own target `simulator`, so that the worker image never contains it;
# see docker-compose.yml.

# --- build: every dependency, TypeScript to dist/, the workflow code prebundled -----------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The postinstall (scripts/install-temporal.js) would fetch the Temporal CLI and test server for
# development; an image needs neither.
ENV SKIP_TEMPORAL_INSTALL=1
COPY package.json package-lock.json ./
COPY scripts/install-temporal.js scripts/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- simulator: the Eko stand-in of `docker-compose --profile local`, compiled apart from dist/ ---
FROM build AS simulator-build
RUN npx tsc -p tsconfig.simulator.json

FROM node:20-bookworm-slim AS simulator
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=simulator-build /app/dist-simulator ./dist-simulator
USER node
EXPOSE 8080
CMD ["node", "dist-simulator/simulator/main.js"]

# --- runtime: production dependencies and dist/ only, as a non-root user -----------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips the project's postinstall (development binaries) and the dependencies'
# own: @temporalio/core-bridge has no install script and ships its native bridge prebuilt under
# releases/ (x86_64 and aarch64 Linux, glibc); protobufjs's only prints version advice; @swc/core's
# only checks its native binary, which npm installs as an optional dependency anyway (and the
# worker loads the prebundled dist/workflow-bundle.js, so it bundles nothing at run time).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Memory (docs/operations/memory.md): two glibc malloc arenas instead of up to 8 per core (idle
# arenas held ~110 MB of a parked worker), and V8 heap limits that keep the garbage of refunds
# replayed from piling up. A large WORKER_MAX_CACHED_WORKFLOWS needs a larger
# --max-old-space-size: the worker refuses to start otherwise and names the value.
ENV MALLOC_ARENA_MAX=2 \
    NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=2"

# `node` (uid 1000) comes with the base image.
USER node
# Prometheus metrics (METRICS_PORT, /metrics) and health (HEALTH_PORT, /healthz and /readyz); the API (API_PORT).
EXPOSE 9464 8088 8090
# Liveness only: /readyz also asks Temporal, and a Temporal outage should not get workers restarted.
# Containers running the codec server override it (docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + (process.env.HEALTH_PORT || 8088) + '/healthz', (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# The SDK stops polling on SIGTERM and gives in-flight Eko calls SHUTDOWN_GRACE_MS to finish:
# give the container at least that long to stop (docker-compose.yml sets stop_grace_period).
CMD ["node", "dist/worker.js"]
