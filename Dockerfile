# One image for the worker (default), the API (`node lib/api/main.js`) and the CLI
# (`node lib/cli/main.js …`): compiled once in a build stage, run as the unprivileged `node` user.
# Debian (glibc) base: Temporal's native core bridge does not support musl/alpine.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/lib ./lib
USER node
# The API listens here when started with `node lib/api/main.js` (API_PORT).
EXPOSE 3000
CMD ["node", "lib/worker.js"]
