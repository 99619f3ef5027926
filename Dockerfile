# fixbot: one container serves webhooks and runs the workflows (embedded Rivet Engine by default).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY tsconfig.json app.yml ./
COPY bin ./bin
COPY src ./src
RUN useradd --create-home --uid 10001 fixbot && mkdir -p /data && chown fixbot /data
USER fixbot
ENV NODE_ENV=production FIXBOT_DATA_DIR=/data PORT=3000
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tini reaps the agent and test processes fixbot kills.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/server.ts"]
