# syntax=docker/dockerfile:1
# Airbyte source for Intercom. Build: docker build -t airbyte/source-intercom-ts:dev .
# Run:   docker run --rm airbyte/source-intercom-ts:dev spec

# Build stage: the TypeScript compiler and dev dependencies live here only.
FROM node:22-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.base.json tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies, the compiled connector and spec.json, as a non-root user.
FROM node:22-slim
LABEL io.airbyte.name=airbyte/source-intercom-ts
LABEL io.airbyte.version=0.1.0
RUN groupadd --system airbyte && useradd --system --gid airbyte --home-dir /airbyte --no-create-home airbyte
WORKDIR /airbyte
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /build/dist ./dist
COPY spec.json ./
USER airbyte
# No node flags needed: the entry sets its V8 memory settings in-process (dist/v8-flags.js), so they hold here too.
ENV AIRBYTE_ENTRYPOINT="node /airbyte/dist/main.js"
ENTRYPOINT ["node", "/airbyte/dist/main.js"]
