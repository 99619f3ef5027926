# fixbot: one container serves webhooks and runs the workflows (embedded Rivet Engine by default).
#
# Node 22: the oldest Node every dependency supports (rivetkit 2.3 declares engines node >= 22) and the one the
# test suite runs on (bin/setup, .ci/run); a maintained LTS line.
FROM node:22-bookworm-slim

# git: fixbot clones and pushes. bubblewrap, socat, util-linux (prlimit): the sandbox repository-chosen commands
# run in (README, "Threat model"). tini reaps the agent and test processes fixbot kills.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap socat util-linux \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# FIXBOT_AGENTOS=0 builds a slimmer image without the agentOS packages (about 1.2 GB): command agents only.
ARG FIXBOT_AGENTOS=1
RUN if [ "$FIXBOT_AGENTOS" = "0" ]; then npm pkg delete optionalDependencies.@agentos-software/pi optionalDependencies.@rivet-dev/agentos-core; fi \
    && npm install --omit=dev --no-audit --no-fund && npm cache clean --force
# Agent CLIs installed globally from npm, e.g. --build-arg FIXBOT_AGENT_PACKAGES="@anthropic-ai/claude-code@2.0.0".
ARG FIXBOT_AGENT_PACKAGES=""
RUN if [ -n "$FIXBOT_AGENT_PACKAGES" ]; then npm install -g --no-audit --no-fund $FIXBOT_AGENT_PACKAGES && npm cache clean --force; fi
COPY tsconfig.json app.yml ./
COPY bin ./bin
COPY src ./src

# Not root: a bot running as root would run repository code as another uid; as 10001 the sandbox maps it into
# a user namespace instead (README, "Deploying").
RUN useradd --create-home --uid 10001 --user-group fixbot && mkdir -p /data && chown 10001:10001 /data
USER 10001
# HOST=0.0.0.0: Probot listens on localhost unless told otherwise, and the published port would reach nothing.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 FIXBOT_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "src/server.ts"]
