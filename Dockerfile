# Nodis: a Redis-compatible server in Node.js.
#   docker build -t nodis .
#   docker run -p 6379:6379 -v nodis-data:/data nodis
# As the official redis image does when it is given no configuration, the server
# listens on every interface with protected mode off: publish the port with care.
# With a configuration file instead:
#   docker run -v $PWD/redis.conf:/data/redis.conf nodis node --max-semi-space-size=4 --max-old-space-size=1048576 /app/bin/nodis-server /data/redis.conf

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: the lock file lists only the platform packages of
# the machine that wrote it (rollup, msgpackr-extract), which npm ci refuses.
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
VOLUME /data
WORKDIR /data
USER node
EXPOSE 6379
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=1048576", "/app/bin/nodis-server", "--bind", "0.0.0.0", "--protected-mode", "no"]
