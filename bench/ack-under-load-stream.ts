/**
 * The delivery stream of bench/ack-under-load.ts and its open-loop sender, feeding several servers the same
 * deliveries at the same moments.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { signWebhook, TEST_WEBHOOK_SECRET } from "../test/helpers/bot-process.js";
import { issuesLabeledPayload, loadExample } from "../test/helpers/payloads.js";
import { sleep } from "./lib.js";
import { post, type Delivery, type Sample, type StreamResult } from "./webhook-ack.js";

export const OWNER = "acme";
export const REPO = "calc-load";
/** Issues the irrelevant deliveries and the help commands go to. */
const NOISE_ISSUES = 20;
/** One delivery in this many is a real run (the fixbot label on an issue of its own, a scripted agent). */
export const RUN_EVERY = 100;
/** One delivery in this many is a `/fixbot help` comment (a commands-actor run that posts a reply). */
export const HELP_EVERY = 20;

const signed = (event: string, payload: object, id: string): Delivery => {
  const body = JSON.stringify(payload);
  return { id, event, body, signature: signWebhook(body, TEST_WEBHOOK_SECRET) };
};

function labeled(number: number, label: string, cloneUrl: string): object {
  return issuesLabeledPayload({
    owner: OWNER,
    repo: REPO,
    number,
    label,
    senderLogin: "alice",
    title: "add() subtracts",
    body: "calc's add() returns a - b; it should return a + b.",
    cloneUrl,
    defaultBranch: "main",
    installationId: 1,
  });
}

let commentId = 1;
function helpComment(number: number): object {
  const payload = loadExample("issue_comment", "created");
  payload.comment = {
    ...payload.comment,
    id: commentId++,
    body: "/fixbot help",
    user: { ...payload.comment.user, login: "alice", type: "User" },
  };
  payload.sender = { ...payload.sender, login: "alice", type: "User" };
  payload.issue = { ...payload.issue, number, title: "t", body: "", state: "open" };
  delete payload.issue.pull_request;
  payload.repository = {
    ...payload.repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { ...payload.repository.owner, login: OWNER },
    default_branch: "main",
  };
  payload.installation = { id: 1 };
  return payload;
}

/**
 * One round: `count` deliveries; every RUN_EVERY-th (offset 50) labels issue `firstRunIssue + k` with the
 * configured label (a real run: clone, the scripted agent in the sandbox, tests, push, pull request); every
 * HELP_EVERY-th (offset 5) is a `/fixbot help` comment; the rest label issues 1..20 with a label that is not
 * fixbot's (ignored, but today each still becomes an actor job). Returns the deliveries and the real runs' issues.
 */
export function roundDeliveries(
  prefix: string,
  count: number,
  firstRunIssue: number,
  cloneUrl: string,
): { deliveries: Delivery[]; runIssues: number[] } {
  const deliveries: Delivery[] = [];
  const runIssues: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}-${randomUUID()}`;
    if (i % RUN_EVERY === RUN_EVERY / 2) {
      const issue = firstRunIssue + runIssues.length;
      runIssues.push(issue);
      deliveries.push(signed("issues", labeled(issue, "fixbot", cloneUrl), id));
    } else if (i % HELP_EVERY === 5)
      deliveries.push(signed("issue_comment", helpComment(1 + (Math.floor(i / HELP_EVERY) % NOISE_ISSUES)), id));
    else deliveries.push(signed("issues", labeled(1 + (i % NOISE_ISSUES), "triage-me", cloneUrl), id));
  }
  return { deliveries, runIssues };
}

/**
 * Open loop to every url at once: delivery i leaves for each server at t0 + i * intervalMs, never waiting for
 * earlier answers, so the servers get the same stream under the same machine load. One result per url.
 */
export async function streamToAll(urls: string[], deliveries: Delivery[], intervalMs: number): Promise<StreamResult[]> {
  const results = urls.map(() => ({ samples: new Array<Sample>(deliveries.length), endedAt: 0 }));
  const inFlight: Array<Promise<void>> = [];
  const t0 = performance.now() + 10;
  for (const [i, d] of deliveries.entries()) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    for (const [u, url] of urls.entries()) {
      const started = performance.now();
      inFlight.push(
        post(url, d).then((r) => {
          const now = performance.now();
          results[u]!.endedAt = Math.max(results[u]!.endedAt, now);
          results[u]!.samples[i] = { status: r.status, latency: now - started, lag: started - due, error: r.error };
        }),
      );
    }
  }
  await Promise.all(inFlight);
  return results.map((r) => ({ samples: r.samples, endedAt: r.endedAt, wallMs: r.endedAt - t0 }));
}
