# jit-approvals as a container image: the app bundled into one file (npm run build:server), run by
# Node 24 as the unprivileged user `node`, with no node_modules. See docs/running.md "Deploying".
#   docker build -t jit-approvals .
#   docker run --env-file .env -e PRIVATE_KEY_PATH=/run/secrets/private-key \
#     -v "$PWD/private-key.pem:/run/secrets/private-key:ro" -v jit-data:/data -p 3000:3000 jit-approvals

# The base image by digest (a tag moves): update the digest, not the tag, to take a new Node 24.
FROM node:24-alpine@sha256:d32cdf619f63fe0471182d08996dd516c6275bb5fd31ae06e55a570bd9e1ad43 AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY policies.schema.json policy-tests.schema.json ./
COPY scripts/bundle.ts ./scripts/
COPY app ./app
RUN node scripts/bundle.ts server

FROM node:24-alpine@sha256:d32cdf619f63fe0471182d08996dd516c6275bb5fd31ae06e55a570bd9e1ad43
# Listen on every interface of the container; SQLite in the volume /data unless DATABASE_URL is set.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data LOG_FORMAT=json
WORKDIR /app
COPY --from=build /src/dist/server/main.mjs ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# SIGTERM closes the server (held long-polls too: the steps retry them) and the store, then exits.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=8", "main.mjs"]
