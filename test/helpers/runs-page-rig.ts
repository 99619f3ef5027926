import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMetricsHandler } from "../../src/metrics/endpoint.js";
import { firstOf } from "../../src/metrics/http-routes.js";
import { createMetrics } from "../../src/metrics/registry.js";
import type { RunsPageEnv } from "../../src/config/runs-page-env.js";
import { runsPageRoutes } from "../../src/runs/page-routes.js";
import type { RunsSource } from "../../src/runs/run-summary.js";
import { startFakeGitHubOAuth, type FakeGitHubOAuth, type FakeOAuthUser } from "./fake-github-oauth.js";

export const CLIENT_ID = "Iv1.runs-page-test";
export const CLIENT_SECRET = "runs-page-client-secret";
export const RUNS_TOKEN = "runs-token-0123456789abcdef";
export const METRICS_TOKEN = "metrics-token-0123456789abcdef";

/** alice writes acme/calc and acme/web (two installations) and only reads acme/secret. */
export const USERS: Record<string, FakeOAuthUser> = {
  alice: {
    installations: [
      {
        id: 11,
        repos: [
          { fullName: "acme/calc", push: true },
          { fullName: "acme/secret", push: false },
        ],
      },
      { id: 12, repos: [{ fullName: "acme/web", push: false, admin: true }] },
    ],
  },
  mallory: { installations: [{ id: 11, repos: [{ fullName: "acme/calc", push: false }] }] },
};

export interface RunsPageRig {
  /** The bot's address (the page's routes and /metrics). */
  baseUrl: string;
  github: FakeGitHubOAuth;
  close(): Promise<void>;
}

/**
 * The runs page's routes and a token-protected /metrics on a real HTTP server, signing in against a fake GitHub
 * on 127.0.0.1, reading `source`. (The bot serves the same handlers from its intake: src/roles/intake.ts.)
 */
export async function startRunsPageRig(params: {
  source: RunsSource;
  env?: Partial<RunsPageEnv>;
  users?: Record<string, FakeOAuthUser>;
}): Promise<RunsPageRig> {
  const github = await startFakeGitHubOAuth({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, users: params.users ?? USERS });
  const dataDir = await mkdtemp(join(tmpdir(), "fixbot-runs-page-"));
  const handler = firstOf(
    createMetricsHandler({ registry: createMetrics().registry, token: METRICS_TOKEN, requireToken: true }),
    await runsPageRoutes({
      source: params.source,
      env: {
        GITHUB_CLIENT_ID: CLIENT_ID,
        GITHUB_CLIENT_SECRET: CLIENT_SECRET,
        FIXBOT_GITHUB_WEB_URL: github.url,
        FIXBOT_RUNS_TOKEN: RUNS_TOKEN,
        FIXBOT_DATA_DIR: dataDir,
        ...params.env,
      },
      apiUrl: `${github.url}/api/v3`,
    }),
  );
  const server: Server = createServer((req, res) => {
    void handler(req, res).then((done) => {
      if (!done) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    github,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await github.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
