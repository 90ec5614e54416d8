# Not exercised by CI (no Docker engine there); it mirrors what test/operations/replicas.test.ts starts.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# npm ci needs every workspace's package.json (and the simulator's committed bin) before the sources.
COPY package.json package-lock.json ./
COPY packages/fal-simulator/package.json packages/fal-simulator/
COPY packages/fal-simulator/bin packages/fal-simulator/bin
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY . .
# npm run build compiles the simulator package first, then the gateway.
RUN npm run build:web && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
# The studio's trusted documents (PERSISTED_OPERATIONS_MANIFESTS' default), loaded at start.
COPY --from=build /app/web/src/gql/persisted-documents.json ./web/src/gql/
# Sandbox mode loads the simulator: node_modules/@uni-animate/fal-simulator links to it.
COPY --from=build /app/packages/fal-simulator/package.json ./packages/fal-simulator/
COPY --from=build /app/packages/fal-simulator/dist ./packages/fal-simulator/dist
COPY --from=build /app/packages/fal-simulator/assets ./packages/fal-simulator/assets
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=64", "--min-semi-space-size=64", "dist/main.js"]
