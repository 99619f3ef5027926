import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.FIXBOT_TEST_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts", "runs-page");

/** Debian's chromium, headless; as root it needs --no-sandbox (the page under test is the test's own). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/** Saves a full-page screenshot as test-artifacts/runs-page/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Opens `path` of the bot and goes through GitHub's sign-in (the fake one says yes at once); ends on that page. */
export async function signInThroughGitHub(page: Page, baseUrl: string, path = "/runs"): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.waitForURL((url) => url.href.startsWith(baseUrl) && url.pathname === path.split("?")[0]);
}

/** The list's rows as the person sees them: run id, repository, status and the links' targets. */
export async function listedRuns(page: Page): Promise<Array<{ id: string; repo: string; status: string; links: string[] }>> {
  return page.$$eval("tbody#live tr[data-run-id]", (rows) =>
    rows.map((row) => ({
      id: row.getAttribute("data-run-id") ?? "",
      repo: row.querySelector("a.run")?.textContent ?? "",
      status: row.querySelector("[data-status]")?.getAttribute("data-status") ?? "",
      links: [...row.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? ""),
    })),
  );
}

/** A run's steps as its page shows them. */
export async function shownSteps(page: Page): Promise<Array<{ name: string; status: string; starts: string }>> {
  return page.$$eval("table.steps tr[data-step]", (rows) =>
    rows.map((row) => ({
      name: row.getAttribute("data-step") ?? "",
      status: row.querySelector("[data-status]")?.getAttribute("data-status") ?? "",
      starts: row.querySelector("td:last-child")?.textContent ?? "",
    })),
  );
}
