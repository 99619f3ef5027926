import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { escapeHtml, formatCost, formatDuration, formatTokens, safeHref } from "../../src/runs/page-format.js";
import { renderListPage, renderRows, renderRunDetail, renderRunPage } from "../../src/runs/page-html.js";
import { filterQuery, matchRoute, parseListQuery, publicBaseUrl, safeReturnTo } from "../../src/runs/page-request.js";
import { HOSTILE, sampleRuns } from "../helpers/runs-fixtures.js";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const runs = sampleRuns(NOW);
const [fixed, failed, running] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];

describe("runs page renderers", () => {
  it("list rows: newest first, with repository, issue link, kind, status, requester, start, duration, attempts, tokens, cost and links", () => {
    const html = renderRows(runs, NOW);
    const order = [...html.matchAll(/data-run-id="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(["review-calc-9", "fix-secret-1", "fix-web-3", "fix-calc-7"]);
    const row = html.split("<tr").find((r) => r.includes('data-run-id="fix-calc-7"'))!;
    expect(row).toContain('<a class="run" href="/runs/fix-calc-7">acme/calc</a>');
    expect(row).toContain('<a href="https://github.com/acme/calc/issues/7" rel="noreferrer">#7</a>');
    expect(row).toContain('data-status="succeeded"');
    expect(row).toContain("alice");
    expect(row).toContain("2026-01-15 11:56:00 UTC");
    expect(row).toContain("1m 35s");
    expect(row).toContain("2 of 3");
    expect(row).toContain("12,000 in / 3,400 out");
    expect(row).toContain("$0.0312");
    expect(row).toContain('href="https://github.com/acme/calc/pull/8"');
    expect(row).toContain('href="https://github.com/acme/calc/issues/7#issuecomment-100"');
    // A running run's duration counts up to now; usage not reported is said, never 0.
    const live = html.split("<tr").find((r) => r.includes('data-run-id="review-calc-9"'))!;
    expect(live).toContain("1m 00s");
    expect(live).toContain("not reported");
  });

  it("hostile text from GitHub or an agent is escaped everywhere it is shown", () => {
    const evil = {
      ...fixed,
      repo: `acme/<b>x</b>`,
      requestedBy: `"><script>alert(1)</script>`,
      error: HOSTILE,
      reviewSummary: HOSTILE,
      testTail: HOSTILE,
    };
    evil.steps = [{ name: `<img src=x onerror=alert(1)>`, status: "done", starts: 1 }];
    for (const html of [renderRows([evil], NOW), renderRunDetail(evil, NOW), renderRunPage({ run: evil, now: NOW, pollUrl: "/x" })]) {
      expect(html).not.toMatch(/<script>|<img|<b>x/);
    }
    expect(renderRunDetail(evil, NOW)).toContain("&lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(escapeHtml(`<a href='x'>&"`)).toBe("&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
  });

  it("links that are not http(s) are not rendered", () => {
    const odd = { ...fixed, links: { issue: "javascript:alert(1)", pullRequest: "data:text/html,hi" } };
    const html = renderRows([odd], NOW);
    expect(html).not.toContain("javascript:");
    expect(html).not.toContain("data:");
    expect(html).toContain("#7");
    expect(safeHref("https://github.com/a")).toBe("https://github.com/a");
  });

  it("a run's page: steps with status, start, duration and starts; test tail, agent summary, error, review", () => {
    const html = renderRunDetail(fixed, NOW);
    expect(html).toMatch(
      /data-step="agent#2"><td>agent#2<\/td><td><span[^>]*data-status="done"[^>]*>done<\/span><\/td><td>2026-01-15 11:56:50 UTC<\/td><td>30s<\/td><td>2<\/td>/,
    );
    expect(html).toContain("# pass 2");
    expect(html).toContain("Fixed add().");
    expect(renderRunDetail(failed, NOW)).toContain('<p class="error">the tests still fail after 3 attempts</p>');
    expect(renderRunDetail({ ...running, reviewSummary: "Looks good" }, NOW)).toContain("Looks good");
  });

  it("the list page has the filter form with the chosen values and the poll URL", () => {
    const html = renderListPage({
      runs,
      view: { status: "failed", repo: "acme/web", repoOptions: ["acme/calc", "acme/web"] },
      now: NOW,
      pollUrl: "/runs.json?status=failed&repo=acme%2Fweb",
      login: "alice",
    });
    expect(html).toContain('<option value="failed" selected>');
    expect(html).toContain('<option value="acme/web" selected>');
    expect(html).toContain('data-poll="/runs.json?status=failed&amp;repo=acme%2Fweb"');
    expect(html).toContain("signed in as alice");
    expect(html).not.toMatch(/<script>|<style|style=| on[a-z]+=/);
  });

  it("formats durations, tokens and cost", () => {
    expect(formatDuration(400)).toBe("0.4s");
    expect(formatDuration(3_725_000)).toBe("1h 02m");
    expect(formatTokens({ inputTokens: 5 })).toBe("5 in / ? out");
    expect(formatCost(12.5)).toBe("$12.50");
    expect(formatCost(undefined)).toBe("not reported");
  });
});

describe("runs page requests", () => {
  it("routes", () => {
    expect(matchRoute("GET", "/runs?status=failed")).toEqual({ name: "list", json: false });
    expect(matchRoute("GET", "/runs.json")).toEqual({ name: "list", json: true });
    expect(matchRoute("GET", "/runs?format=json&status=failed")).toEqual({ name: "list", json: true });
    expect(matchRoute("GET", "/runs/a%2Fb.json")).toEqual({ name: "run", id: "a/b", json: true });
    expect(matchRoute("GET", "/runs/fix-1")).toEqual({ name: "run", id: "fix-1", json: false });
    expect(matchRoute("GET", "/runs/auth/callback?code=1")).toEqual({ name: "callback" });
    expect(matchRoute("POST", "/runs")).toBeUndefined();
    expect(matchRoute("HEAD", "/runs/auth/callback")).toBeUndefined();
    expect(matchRoute("GET", "/runsx")).toBeUndefined();
    expect(matchRoute("GET", "/runs/%E0")).toBeUndefined();
  });

  it("filter query: only known statuses and owner/name repositories", () => {
    expect(parseListQuery("/runs?status=failed&repo=acme/web")).toEqual({ status: "failed", repo: "acme/web" });
    expect(parseListQuery("/runs?status=<x>&repo=../../etc")).toEqual({});
    expect(filterQuery({ status: "running", repo: "a/b" })).toBe("?status=running&repo=a%2Fb");
    expect(filterQuery({ status: "failed" }, { format: "json" })).toBe("?format=json&status=failed");
  });

  it("the bot's public address: FIXBOT_PUBLIC_URL, else the Host header (https behind a proxy that says so)", () => {
    const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
    expect(publicBaseUrl(req({ host: "bot:3000" }), "https://fixbot.example.com/")).toBe("https://fixbot.example.com");
    expect(publicBaseUrl(req({ host: "bot:3000" }), undefined)).toBe("http://bot:3000");
    expect(publicBaseUrl(req({ host: "fixbot.example.com", "x-forwarded-proto": "https" }), undefined)).toBe("https://fixbot.example.com");
  });

  it("returns only to this site's runs pages after sign-in", () => {
    expect(safeReturnTo("/runs/fix-1")).toBe("/runs/fix-1");
    expect(safeReturnTo("//evil.example/runs")).toBe("/runs");
    expect(safeReturnTo("https://evil.example")).toBe("/runs");
    expect(safeReturnTo("/runsevil")).toBe("/runs");
  });
});
