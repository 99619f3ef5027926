import {
  escapeHtml as e,
  formatAttempts,
  formatCost,
  formatDuration,
  formatTime,
  formatTokens,
  runDuration,
  safeHref,
} from "./page-format.js";
import type { RunStepSummary, RunSummary, RunSummaryStatus } from "./run-summary.js";

export const STATUSES: readonly RunSummaryStatus[] = ["queued", "running", "succeeded", "failed", "cancelled", "skipped"];

/** The list's filter as the form shows it. */
export interface ListView {
  status?: RunSummaryStatus;
  repo?: string;
  /** Repositories offered in the filter (the person's writable ones, or those in the list for a token). */
  repoOptions: readonly string[];
}

/** The whole document: the served stylesheet and script only (the CSP allows nothing inline). Pure. */
export function layout(params: { title: string; body: string; login?: string; pollUrl?: string }): string {
  const who = params.login ? `<span class="who">signed in as ${e(params.login)} · <a href="/runs/sign-out">sign out</a></span>` : "";
  const poll = params.pollUrl ? ` data-poll="${e(params.pollUrl)}"` : "";
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(params.title)}</title>
<link rel="stylesheet" href="/runs/app.css"><script src="/runs/app.js" defer></script></head>
<body${poll}>
<header><a class="home" href="/runs">fixbot runs</a>${who}<span id="live-state"></span></header>
<main>
${params.body}
</main>
</body>
</html>
`;
}

function link(url: string | undefined, text: string): string {
  const href = safeHref(url);
  return href ? `<a href="${e(href)}" rel="noreferrer">${e(text)}</a>` : "";
}

function statusBadge(status: string): string {
  return `<span class="status status-${e(status)}" data-status="${e(status)}">${e(status)}</span>`;
}

function runLinks(run: RunSummary): string {
  return [link(run.links.pullRequest, "PR"), link(run.links.review, "review"), link(run.links.trackingComment, "comment")]
    .filter(Boolean)
    .join(" ");
}

/** One row of the list. Pure. */
export function renderRow(run: RunSummary, now: number): string {
  const target = run.kind === "review" ? "PR" : "issue";
  return `<tr data-run-id="${e(run.id)}">
<td><a class="run" href="/runs/${e(encodeURIComponent(run.id))}">${e(run.repo)}</a></td>
<td>${link(run.links.issue, `#${run.number}`) || `#${e(run.number)}`} <span class="muted">${target}</span></td>
<td>${e(run.kind)}</td>
<td>${statusBadge(run.status)}</td>
<td>${e(run.requestedBy)}</td>
<td>${e(formatTime(run.startedAt))}</td>
<td>${e(formatDuration(runDuration(run, now)))}</td>
<td>${e(formatAttempts(run))}</td>
<td>${e(formatTokens(run.usage))}</td>
<td>${e(formatCost(run.usage?.costUsd))}</td>
<td class="links">${runLinks(run)}</td>
</tr>`;
}

/** The list's rows (what the live update replaces), newest first. Pure. */
export function renderRows(runs: readonly RunSummary[], now: number): string {
  if (runs.length === 0) return `<tr class="empty"><td colspan="11">No runs match.</td></tr>`;
  return [...runs]
    .sort((a, b) => b.startedAt - a.startedAt)
    .map((run) => renderRow(run, now))
    .join("\n");
}

function option(value: string, label: string, selected: boolean): string {
  return `<option value="${e(value)}"${selected ? " selected" : ""}>${e(label)}</option>`;
}

/** The filter form: status and repository, sent as a GET query. Pure. */
export function renderFilter(view: ListView): string {
  const statuses = [option("", "any status", !view.status), ...STATUSES.map((s) => option(s, s, view.status === s))];
  const repos = [option("", "any repository", !view.repo), ...view.repoOptions.map((r) => option(r, r, view.repo === r))];
  return `<form class="filter" method="get" action="/runs">
<label>status <select name="status">${statuses.join("")}</select></label>
<label>repository <select name="repo">${repos.join("")}</select></label>
<button type="submit">filter</button>
</form>`;
}

const HEAD = ["repository", "issue / PR", "kind", "status", "requested by", "start", "duration", "attempts", "tokens", "cost", "links"];

/** `GET /runs`. Pure. */
export function renderListPage(params: {
  runs: readonly RunSummary[];
  view: ListView;
  login?: string;
  now: number;
  pollUrl: string;
}): string {
  const body = `<h1>Runs</h1>
${renderFilter(params.view)}
<table class="runs">
<thead><tr>${HEAD.map((h) => `<th>${h}</th>`).join("")}</tr></thead>
<tbody id="live">
${renderRows(params.runs, params.now)}
</tbody>
</table>`;
  return layout({ title: "fixbot runs", body, login: params.login, pollUrl: params.pollUrl });
}

function renderStep(step: RunStepSummary): string {
  return `<tr data-step="${e(step.name)}"><td>${e(step.name)}</td><td>${statusBadge(step.status)}</td><td>${e(formatTime(step.startedAt))}</td><td>${e(formatDuration(step.durationMs))}</td><td>${e(step.starts)}</td></tr>`;
}

function section(title: string, cls: string, text: string | undefined): string {
  return text ? `<section class="${cls}"><h2>${title}</h2><pre>${e(text)}</pre></section>` : "";
}

function facts(run: RunSummary, now: number): string {
  const rows: Array<[string, string]> = [
    ["status", statusBadge(run.status)],
    ["kind", e(run.kind)],
    ["issue / PR", link(run.links.issue, `${run.repo}#${run.number}`) || e(`${run.repo}#${run.number}`)],
    ["requested by", e(run.requestedBy)],
    ["start", e(formatTime(run.startedAt))],
    ["duration", e(formatDuration(runDuration(run, now)))],
    ["attempts", e(formatAttempts(run))],
    ["turns", e(run.usage?.turns ?? "not reported")],
    ["tokens", e(formatTokens(run.usage))],
    ["cost", e(formatCost(run.usage?.costUsd))],
    ["links", runLinks(run) || "—"],
  ];
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`;
}

/** A run's detail (what the live update replaces): facts, steps, test tail, agent summary, review. Pure. */
export function renderRunDetail(run: RunSummary, now: number): string {
  const steps = run.steps.length
    ? `<table class="steps"><thead><tr><th>step</th><th>status</th><th>started</th><th>duration</th><th>starts</th></tr></thead><tbody>${run.steps.map(renderStep).join("")}</tbody></table>`
    : `<p class="muted">No steps yet.</p>`;
  return `${facts(run, now)}
${run.error ? `<p class="error">${e(run.error)}</p>` : ""}
<section class="steps"><h2>Steps</h2>${steps}</section>
${section("Test output (tail)", "test-tail", run.testTail)}
${section("Agent's summary", "agent-summary", run.agentSummary)}
${section("Review", "review-summary", run.reviewSummary)}`;
}

/** `GET /runs/<id>`. Pure. */
export function renderRunPage(params: { run: RunSummary; login?: string; now: number; pollUrl: string }): string {
  const { run } = params;
  const body = `<h1>${e(run.kind)} run: ${e(run.repo)}#${e(run.number)}</h1>
<div id="live">
${renderRunDetail(run, params.now)}
</div>`;
  return layout({ title: `fixbot run ${run.repo}#${run.number}`, body, login: params.login, pollUrl: params.pollUrl });
}

/** A page that only says something (refused, not found, not configured). Pure. */
export function renderMessagePage(title: string, text: string): string {
  return layout({ title, body: `<h1>${e(title)}</h1><p class="message">${e(text)}</p>` });
}
