import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** One webhook definition in `@octokit/webhooks-examples/api.github.com/index.json`. */
interface WebhookDefinition {
  name: string;
  examples: Array<{ action?: string } & Record<string, any>>;
}

let definitions: WebhookDefinition[] | undefined;

/** Reads (once) the example index shipped by `@octokit/webhooks-examples`. */
function loadDefinitions(): WebhookDefinition[] {
  if (!definitions) {
    const require = createRequire(import.meta.url);
    const file = require.resolve("@octokit/webhooks-examples/api.github.com/index.json");
    definitions = JSON.parse(readFileSync(file, "utf8")) as WebhookDefinition[];
  }
  return definitions;
}

/** Returns a deep clone of the first real example payload of `event` with `action`; throws if there is none. */
export function loadExample(event: string, action: string): any {
  const definition = loadDefinitions().find((d) => d.name === event);
  if (!definition) throw new Error(`@octokit/webhooks-examples has no "${event}" event`);
  const example = definition.examples.find((e) => e.action === action);
  if (!example) {
    const actions = [...new Set(definition.examples.map((e) => e.action))].join(", ");
    throw new Error(`@octokit/webhooks-examples has no "${event}" example with action "${action}" (has: ${actions})`);
  }
  return structuredClone(example);
}

/** Builds an `issues.labeled` payload from the real example with the given repository, issue, label, sender and installation. */
export function issuesLabeledPayload(overrides: {
  owner: string;
  repo: string;
  number: number;
  /** Default "fixbot". */
  label?: string;
  senderLogin?: string;
  senderType?: "User" | "Bot";
  state?: "open" | "closed";
  title?: string;
  body?: string;
  /** Default `https://github.com/<owner>/<repo>.git`. */
  cloneUrl?: string;
  /** Default 1. */
  installationId?: number;
  defaultBranch?: string;
}): any {
  const payload = loadExample("issues", "labeled");
  const { owner, repo, number } = overrides;
  const fullName = `${owner}/${repo}`;

  const repository = payload.repository;
  repository.name = repo;
  repository.full_name = fullName;
  repository.owner.login = owner;
  repository.clone_url = overrides.cloneUrl ?? `https://github.com/${fullName}.git`;
  repository.html_url = `https://github.com/${fullName}`;
  repository.url = `https://api.github.com/repos/${fullName}`;
  if (overrides.defaultBranch !== undefined) repository.default_branch = overrides.defaultBranch;

  const issue = payload.issue;
  issue.number = number;
  issue.html_url = `https://github.com/${fullName}/issues/${number}`;
  issue.url = `https://api.github.com/repos/${fullName}/issues/${number}`;
  if (overrides.title !== undefined) issue.title = overrides.title;
  if (overrides.body !== undefined) issue.body = overrides.body;
  if (overrides.state !== undefined) {
    issue.state = overrides.state;
    issue.closed_at = overrides.state === "closed" ? (issue.updated_at ?? new Date().toISOString()) : null;
  }

  const originalLabel: string = payload.label.name;
  const labelName = overrides.label ?? "fixbot";
  payload.label = {
    ...payload.label,
    name: labelName,
    url: `https://api.github.com/repos/${fullName}/labels/${encodeURIComponent(labelName)}`,
  };
  const others = (issue.labels ?? []).filter((l: { name: string }) => l.name !== originalLabel && l.name !== labelName);
  issue.labels = [...others, payload.label];

  if (overrides.senderLogin !== undefined) payload.sender.login = overrides.senderLogin;
  if (overrides.senderType !== undefined) payload.sender.type = overrides.senderType;

  payload.installation = { ...payload.installation, id: overrides.installationId ?? 1 };
  return payload;
}

/** The calc fixture's bug (fixtures/repos/calc), labelled by alice on a repository whose default branch is main. */
export const CALC_ISSUE = { title: "add() returns the wrong result", body: "add(2, 3) should be 5 but is -1." } as const;

/** `issues.labeled` for the calc fixture's bug: issuesLabeledPayload with the fixture's issue, sender and branch. */
export function calcIssueLabeledPayload(overrides: Parameters<typeof issuesLabeledPayload>[0]): any {
  return issuesLabeledPayload({ senderLogin: "alice", ...CALC_ISSUE, defaultBranch: "main", ...overrides });
}
