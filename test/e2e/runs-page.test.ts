import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryRunsSource, type MemoryRunsSource } from "../helpers/memory-runs-source.js";
import { finishReview, sampleRuns } from "../helpers/runs-fixtures.js";
import { launchChromium, listedRuns, screenshot, shownSteps, signInThroughGitHub } from "../helpers/runs-page-browser.js";
import { METRICS_TOKEN, startRunsPageRig, type RunsPageRig } from "../helpers/runs-page-rig.js";

let browser: Browser;
let rig: RunsPageRig;
let source: MemoryRunsSource;

beforeAll(async () => {
  source = memoryRunsSource(sampleRuns(Date.now()));
  rig = await startRunsPageRig({ source });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

async function freshPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // Script errors and CSP violations (a blocked inline script or style would show here); not a missing favicon.
  page.on("console", (m) => m.type() === "error" && /Content Security Policy|Uncaught/.test(m.text()) && errors.push(m.text()));
  return { context, page, errors };
}

describe("runs page in chromium", () => {
  it("without sign-in the page is refused (sent to GitHub, a denied sign-in gets 403) and /metrics answers 401", async () => {
    const { context, page } = await freshPage();
    const res = await page.request.get(`${rig.baseUrl}/runs.json`);
    expect(res.status()).toBe(401);
    expect((await page.request.get(`${rig.baseUrl}/metrics`)).status()).toBe(401);
    expect((await page.request.get(`${rig.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status()).toBe(
      200,
    );
    rig.github.signInAs("deny");
    const denied = await page.goto(`${rig.baseUrl}/runs`);
    expect(denied?.status()).toBe(403);
    expect(await page.textContent("h1")).toBe("Sign-in refused");
    await screenshot(page, "refused");
    await context.close();
  });

  it("signed in: the list shows the runs of writable repositories, newest first, with statuses and links; hostile text stays inert", async () => {
    const { context, page, errors } = await freshPage();
    rig.github.signInAs("alice");
    await signInThroughGitHub(page, rig.baseUrl);
    const runs = await listedRuns(page);
    expect(runs.map((r) => [r.id, r.repo, r.status])).toEqual([
      ["review-calc-9", "acme/calc", "running"],
      ["fix-web-3", "acme/web", "failed"],
      ["fix-calc-7", "acme/calc", "succeeded"],
    ]);
    expect(runs[2]!.links).toEqual([
      "/runs/fix-calc-7",
      "https://github.com/acme/calc/issues/7",
      "https://github.com/acme/calc/pull/8",
      "https://github.com/acme/calc/issues/7#issuecomment-100",
    ]);
    await screenshot(page, "list");
    // Filter through the form: failed runs only.
    await page.selectOption("select[name=status]", "failed");
    await page.click("form.filter button");
    await page.waitForURL(/status=failed/);
    expect((await listedRuns(page)).map((r) => r.id)).toEqual(["fix-web-3"]);
    // The succeeded run's page: its steps, test tail, and the agent's summary with a <script> shown as text.
    await page.goto(`${rig.baseUrl}/runs/fix-calc-7`);
    expect(await shownSteps(page)).toEqual([
      { name: "clone", status: "done", starts: "1" },
      { name: "agent#1", status: "done", starts: "1" },
      { name: "test#1", status: "failed", starts: "1" },
      { name: "agent#2", status: "done", starts: "2" },
      { name: "test#2", status: "done", starts: "1" },
      { name: "open-pr", status: "done", starts: "1" },
    ]);
    expect(await page.textContent("section.test-tail pre")).toContain("# pass 2");
    expect(await page.textContent("section.agent-summary pre")).toContain("<script>window.__pwned = 1</script>");
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("section.agent-summary script, section.agent-summary img").count()).toBe(0);
    await screenshot(page, "run-succeeded");
    expect(errors).toEqual([]);
    // A repository the person may only read: neither listed nor reachable by id.
    expect((await page.goto(`${rig.baseUrl}/runs/fix-secret-1`))?.status()).toBe(404);
    // Signing out ends the session: the page's JSON answers 401 again.
    await page.goto(`${rig.baseUrl}/runs`);
    await page.click("text=sign out");
    await page.locator("h1", { hasText: "Signed out" }).waitFor();
    expect((await page.request.get(`${rig.baseUrl}/runs?format=json`)).status()).toBe(401);
    await context.close();
  });

  it("a run in progress updates without a reload, in the list and on its page", async () => {
    const { context, page, errors } = await freshPage();
    rig.github.signInAs("alice");
    await signInThroughGitHub(page, rig.baseUrl, "/runs/review-calc-9");
    const detail = await context.newPage();
    await detail.goto(`${rig.baseUrl}/runs`);
    await page.locator("#live-state", { hasText: "live" }).waitFor();
    // A marker that a reload would wipe out.
    await page.evaluate(() => ((window as { __marker?: string }).__marker = "same page"));
    await detail.evaluate(() => ((window as { __marker?: string }).__marker = "same page"));
    expect(await page.getAttribute('tr[data-step="review"] [data-status]', "data-status")).toBe("running");
    await screenshot(page, "run-running");
    source.update("review-calc-9", (run) => finishReview(run, Date.now()));
    await page.locator('tr[data-step="review"] [data-status="done"]').waitFor();
    await page.locator("section.review-summary", { hasText: "Looks good: one nit on naming." }).waitFor();
    await detail.locator('tr[data-run-id="review-calc-9"] [data-status="succeeded"]').waitFor();
    await detail.locator('tr[data-run-id="review-calc-9"] a[href$="#pullrequestreview-77"]').waitFor();
    expect(await page.evaluate(() => (window as { __marker?: string }).__marker)).toBe("same page");
    expect(await detail.evaluate(() => (window as { __marker?: string }).__marker)).toBe("same page");
    // A new run appears at the top of the list while it is open.
    source.put({
      ...finishReview(source.peek("review-calc-9"), Date.now()),
      id: "review-web-4",
      repo: "acme/web",
      number: 4,
      status: "running",
      startedAt: Date.now(),
    });
    await detail.locator('tbody#live tr:first-child[data-run-id="review-web-4"] [data-status="running"]').waitFor();
    expect(await detail.evaluate(() => (window as { __marker?: string }).__marker)).toBe("same page");
    await screenshot(page, "run-finished-live");
    await screenshot(detail, "list-updated-live");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a person without write access to any of the repositories sees no runs", async () => {
    const { context, page } = await freshPage();
    rig.github.signInAs("mallory");
    await signInThroughGitHub(page, rig.baseUrl);
    expect(await listedRuns(page)).toEqual([]);
    expect(await page.textContent("tbody#live")).toContain("No runs match.");
    expect((await page.goto(`${rig.baseUrl}/runs/fix-calc-7`))?.status()).toBe(404);
    await screenshot(page, "no-write-access");
    await context.close();
  });
});
