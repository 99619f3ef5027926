import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../src/runs/http-reply.js";
import { memoryRunsSource } from "../helpers/memory-runs-source.js";
import { sampleRuns } from "../helpers/runs-fixtures.js";
import { RUNS_TOKEN, startRunsPageRig, USERS, type RunsPageRig } from "../helpers/runs-page-rig.js";

const HTML = { accept: "text/html" };
let rig: RunsPageRig;

const many = (n: number, name: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ fullName: `acme/${name(i)}`, push: true }));
/** 250 writable repositories (three pages of 100), the last one with a run; and one who may write 600 with unguessable names. */
const LOTS = many(250, (i) => `repo-${String(i).padStart(4, "0")}`);
const TOO_MANY = many(600, (i) => `r${((i + 1) * 2654435761).toString(36)}${(i * 40503).toString(16)}`);

beforeAll(async () => {
  const runs = sampleRuns(Date.now());
  const last = { ...runs[3]!, id: "fix-repo-0249", repo: "acme/repo-0249" };
  rig = await startRunsPageRig({
    source: memoryRunsSource([...runs, last]),
    users: { ...USERS, owner: { installations: [{ id: 13, repos: LOTS }] }, hoarder: { installations: [{ id: 14, repos: TOO_MANY }] } },
  });
});
afterAll(async () => rig?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${rig.baseUrl}${path}`, { headers, redirect: "manual" });
const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]!);

/** Follows the sign-in as a browser would: /runs -> GitHub -> callback -> back; returns the session cookie. */
async function signIn(login: string | "deny", path = "/runs"): Promise<{ cookie: string; last: Response }> {
  rig.github.signInAs(login);
  const start = await get(path, HTML);
  expect(start.status).toBe(302);
  const stateCookie = cookiesOf(start).join("; ");
  const atGitHub = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = atGitHub.headers.get("location")!;
  const last = await fetch(callback, { headers: { ...HTML, cookie: stateCookie }, redirect: "manual" });
  return {
    cookie: cookiesOf(last)
      .filter((c) => c.startsWith("fixbot_runs_session=") && c.length > "fixbot_runs_session=".length)
      .join("; "),
    last,
  };
}

describe("runs page routes", () => {
  it("without sign-in: a browser is sent to GitHub's authorize page with the App's client id, a state and the callback; JSON gets 401", async () => {
    const res = await get("/runs", HTML);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location")!);
    expect(`${to.origin}${to.pathname}`).toBe(`${rig.github.url}/login/oauth/authorize`);
    expect(to.searchParams.get("client_id")).toBe("Iv1.runs-page-test");
    expect(to.searchParams.get("redirect_uri")).toBe(`${rig.baseUrl}/runs/auth/callback`);
    expect(to.searchParams.get("state")).toMatch(/^[\w-]{20,}$/);
    expect(res.headers.get("set-cookie")).toMatch(/^fixbot_runs_state=[^;]+; Path=\/runs; HttpOnly; SameSite=Lax; Max-Age=600$/);
    for (const path of ["/runs.json", "/runs/fix-calc-7.json", "/runs/fix-calc-7"]) expect((await get(path)).status).toBe(401);
  });

  it("signed in: the session cookie is HttpOnly, SameSite=Lax, lasts 8 hours and does not hold the GitHub token", async () => {
    const { cookie, last } = await signIn("alice", "/runs/fix-calc-7");
    expect(last.status).toBe(302);
    expect(last.headers.get("location")).toBe("/runs/fix-calc-7");
    const set = last.headers.getSetCookie().find((c) => c.startsWith("fixbot_runs_session="))!;
    expect(set).toMatch(/; Path=\/runs; HttpOnly; SameSite=Lax; Max-Age=28800$/);
    for (const token of rig.github.tokens) expect(set).not.toContain(token);
    const page = await get("/runs/fix-calc-7", { cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.text()).toContain("signed in as alice");
  });

  it("a person sees only runs of repositories they may write (push or admin), in the list, the JSON and by id", async () => {
    const { cookie } = await signIn("alice");
    const list = (await (await get("/runs?format=json", { cookie })).json()) as { runs: Array<{ id: string }> };
    expect(list.runs.map((r) => r.id)).toEqual(["review-calc-9", "fix-web-3", "fix-calc-7"]);
    expect((await get("/runs/fix-secret-1", { cookie })).status).toBe(404);
    expect((await get("/runs/fix-secret-1.json", { cookie })).status).toBe(404);
    expect(await (await get("/runs?repo=acme/secret", { cookie })).text()).not.toContain("fix-secret-1");
    const mallory = await signIn("mallory");
    expect(((await (await get("/runs?format=json", { cookie: mallory.cookie })).json()) as { runs: unknown[] }).runs).toEqual([]);
  });

  it("filters by status and repository", async () => {
    const { cookie } = await signIn("alice");
    const ids = async (q: string) =>
      ((await (await get(`/runs?format=json${q.replace("?", "&")}`, { cookie })).json()) as { runs: Array<{ id: string }> }).runs.map(
        (r) => r.id,
      );
    expect(await ids("?status=failed")).toEqual(["fix-web-3"]);
    expect(await ids("?repo=acme/calc")).toEqual(["review-calc-9", "fix-calc-7"]);
    expect(await ids("?repo=acme/calc&status=running")).toEqual(["review-calc-9"]);
  });

  it("reads every page of a person's repositories; refuses a sign-in whose repositories do not fit in a cookie", async () => {
    const { cookie } = await signIn("owner");
    const list = (await (await get("/runs?format=json", { cookie })).json()) as { runs: Array<{ id: string }> };
    expect(list.runs.map((r) => r.id)).toEqual(["fix-repo-0249"]);
    const hoarder = await signIn("hoarder");
    expect(hoarder.last.status).toBe(500);
    expect(await hoarder.last.text()).toContain("You may write 600 repositories: too many for a session cookie.");
    expect(hoarder.cookie).toBe("");
  });

  it("the machine token sees every run; a wrong one gets 401", async () => {
    const res = await get("/runs.json", { authorization: `Bearer ${RUNS_TOKEN}` });
    expect(((await res.json()) as { runs: unknown[] }).runs).toHaveLength(5);
    expect((await get("/runs.json", { authorization: "Bearer runs-token-0123456789abcdeX" })).status).toBe(401);
    const one = await get("/runs/fix-secret-1.json", { authorization: `Bearer ${RUNS_TOKEN}` });
    expect(((await one.json()) as { run: { repo: string } }).run.repo).toBe("acme/secret");
  });

  it("refuses a callback whose state is not this browser's (CSRF), and a denied sign-in", async () => {
    rig.github.signInAs("alice");
    const start = await get("/runs", HTML);
    const callback = (await fetch(start.headers.get("location")!, { redirect: "manual" })).headers.get("location")!;
    // No state cookie (another browser), and a forged state cookie: both refused, no session.
    for (const cookie of ["", "fixbot_runs_state=abc~L3J1bnM.forged"]) {
      const res = await fetch(callback, { headers: { ...HTML, cookie }, redirect: "manual" });
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie().some((c) => c.startsWith("fixbot_runs_session="))).toBe(false);
    }
    const denied = await signIn("deny");
    expect(denied.last.status).toBe(403);
    expect(await denied.last.text()).toContain("access_denied");
    expect(denied.cookie).toBe("");
  });

  it("with FIXBOT_PUBLIC_URL on https: the callback is there and the cookies are Secure", async () => {
    const behind = await startRunsPageRig({ source: memoryRunsSource([]), env: { FIXBOT_PUBLIC_URL: "https://fixbot.example.com" } });
    try {
      const res = await fetch(`${behind.baseUrl}/runs`, { headers: HTML, redirect: "manual" });
      expect(new URL(res.headers.get("location")!).searchParams.get("redirect_uri")).toBe("https://fixbot.example.com/runs/auth/callback");
      expect(res.headers.get("set-cookie")).toMatch(/; Secure$/);
    } finally {
      await behind.close();
    }
  });

  it("a runs index that does not answer: 503, saying so", async () => {
    const broken = { list: () => Promise.reject(new Error("engine down")), get: () => Promise.reject(new Error("engine down")) };
    const down = await startRunsPageRig({ source: broken });
    try {
      const auth = { authorization: `Bearer ${RUNS_TOKEN}` };
      const page = await fetch(`${down.baseUrl}/runs`, { headers: auth });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("The runs index did not answer");
      expect((await fetch(`${down.baseUrl}/runs/x.json`, { headers: auth })).status).toBe(503);
    } finally {
      await down.close();
    }
  });

  it("without the App's OAuth credentials the page says sign-in is not configured and refuses", async () => {
    const bare = await startRunsPageRig({
      source: memoryRunsSource([]),
      env: { GITHUB_CLIENT_ID: undefined, GITHUB_CLIENT_SECRET: undefined },
    });
    try {
      const res = await fetch(`${bare.baseUrl}/runs`, { headers: HTML, redirect: "manual" });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("Sign-in is not configured: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET");
    } finally {
      await bare.close();
    }
  });
});
