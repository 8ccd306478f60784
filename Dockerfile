# syntax=docker/dockerfile:1
# ecs-gitops controller image: Node 22 LTS, production dependencies only, non-root.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The dashboard: built by vite into dist/ui, served by the controller at /.
COPY ui ./ui
RUN npm run build

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim
# git: the controller clones and fetches the desired-state repository with the git CLI.
# openssh-client: ssh:// remotes. ca-certificates: https remotes and AWS endpoints.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    ECS_GITOPS_WORKDIR=/var/lib/ecs-gitops \
    ECS_GITOPS_PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /var/lib/ecs-gitops && chown node:node /var/lib/ecs-gitops
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", \
    "fetch('http://127.0.0.1:'+(process.env.ECS_GITOPS_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form and tini as PID 1: SIGTERM from ECS reaches node, and git child processes are reaped.
# The node flags are the bin script's shebang (src/cli/main.ts): V8 sized for a small, steady
# heap, and gc exposed so the commit loader collects before each worker; without them the
# controller peaks near 260 MiB at 1,000 services instead of 135–141 MiB
# (docs/scale.md#the-commit-load-measured-again). NODE_OPTIONS cannot carry --optimize-for-size.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--optimize-for-size", "--max-semi-space-size=1", "--v8-pool-size=1", "--expose-gc", \
  "/app/dist/cli/main.js"]
CMD ["run"]
