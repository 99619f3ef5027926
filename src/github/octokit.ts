import { config } from "@probot/octokit-plugin-config";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { AppIdentity } from "./app-authored.js";

/**
 * The REST client fixbot's steps post through: @octokit/rest plus Probot's config plugin (reads
 * `.github/fixbot.yml` with org-wide defaults, exactly like `context.config`), retries on 5xx and
 * rate-limit handling that honours `retry-after`.
 */
export const FixbotOctokit = Octokit.plugin(config, retry, throttling);
export type FixbotOctokit = InstanceType<typeof FixbotOctokit>;

export interface OctokitOptions {
  baseUrl?: string;
  /** Retries of 5xx answers (plugin-retry). Tests set 0 so a missing mock fails at once. */
  retries?: number;
  /** Honour rate-limit answers by waiting (plugin-throttling). Tests turn it off. */
  throttle?: boolean;
}

/** Octokit's request log line ("GET /repos/… - 404 with id … in 3ms"): the caller gets the error itself. */
const REQUEST_LOG_LINE = /^[A-Z]+ \S+ - \d{3} with id /;

/** `write`, minus Octokit's request log lines. Pure wrapper. */
export function withoutRequestLog(write: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args) => {
    if (typeof args[0] === "string" && REQUEST_LOG_LINE.test(args[0])) return;
    write(...args);
  };
}

export function createOctokit(params: { token: string } & OctokitOptions): FixbotOctokit {
  const retries = params.retries ?? 3;
  return new FixbotOctokit({
    auth: params.token,
    // Octokit's request log prints every call, failed ones as errors (a 404 for a missing org config among
    // them), as plain text in the middle of the JSON log; the caller gets the error and fixbot logs what matters
    // itself, through pino. Octokit's other warnings (deprecations) still reach the console.
    log: { debug: () => undefined, info: () => undefined, warn: withoutRequestLog(console.warn), error: withoutRequestLog(console.error) },
    baseUrl: params.baseUrl,
    userAgent: "fixbot",
    retry: { enabled: retries > 0, retries },
    throttle: {
      enabled: params.throttle ?? true,
      // Wait out primary and secondary limits a few times; after that the step fails and the workflow retries it.
      onRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < 2,
      onSecondaryRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < 2,
    },
  });
}

/** What steps need from GitHub for one installation: a REST client and the token git pushes with. */
export interface InstallationAccess {
  octokit: FixbotOctokit;
  token: string;
  /** Who fixbot is (GET /app, asked once per process): markers count only on comments the App wrote. */
  app: AppIdentity;
}

/** Permissions asked for an installation token (GitHub narrows the token to them; never wider than the App's). */
export type TokenPermissions = Readonly<Record<string, "read" | "write">>;

/** Fetching a repository's code. */
export const CONTENTS_READ: TokenPermissions = { contents: "read", metadata: "read" };
/** Pushing a branch. */
export const CONTENTS_WRITE: TokenPermissions = { contents: "write", metadata: "read" };
/** Reading the config and writing comments, pull requests and reviews. */
export const GITHUB_WRITES: TokenPermissions = { contents: "read", issues: "write", pull_requests: "write", metadata: "read" };

/** Creating and updating fixbot's own check runs. */
export const CHECKS_WRITE: TokenPermissions = { checks: "write", metadata: "read" };

/** Every scope a step asks for: app.yml must grant their union, and nothing more (test/deploy/app-manifest.test.ts). */
export const TOKEN_SCOPES: readonly TokenPermissions[] = [CONTENTS_READ, CONTENTS_WRITE, GITHUB_WRITES, CHECKS_WRITE];

/** A token for one repository with only what one step needs (GitHub's `repositories` and `permissions` fields). */
export interface TokenScope {
  repository: string;
  permissions: TokenPermissions;
}

export interface GitHubAccess {
  forInstallation(installationId: number, scope: TokenScope): Promise<InstallationAccess>;
}
