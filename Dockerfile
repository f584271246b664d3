# syntax=docker/dockerfile:1
# Build stage: full dependencies to compile TypeScript into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY bin ./bin
RUN npm ci --no-audit --no-fund

# Runtime stage: production dependencies only, compiled code, non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Debian's ffmpeg and ffprobe are one current build; the AI detector prefers them on the PATH over
# the npm-shipped pair (a 2018 ffmpeg and a newer ffprobe).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && chmod u+x node_modules/@ffmpeg-installer/linux-x64/ffmpeg node_modules/@ffprobe-installer/linux-x64/ffprobe \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Runtime data (the Subtensor metadata used by the devnet) is read from src/ beside dist/.
COPY src/devnet/subtensor/data ./src/devnet/subtensor/data
# /spool: the validator's spool volume. A new named volume takes this directory's owner and mode;
# the compose user is the wallet owner's UID, not known here, so any user may write it (sticky,
# as /tmp: each removes only its own files).
RUN useradd --create-home --uid 10001 validator && chown -R validator /app \
 && mkdir -p /spool && chmod 1777 /spool
USER validator
EXPOSE 9108 12001 12002
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||9108)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/infinitevibe.js"]
CMD ["validate"]
