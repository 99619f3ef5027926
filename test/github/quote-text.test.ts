import { describe, expect, it } from "vitest";
import { renderPullRequest } from "../../src/github/pr-body.js";
import { fenced, inertMarkdown } from "../../src/github/quote-text.js";
import { parseReviewOutput } from "../../src/github/review-findings.js";

const HOSTILE =
  "Done. cc @someone and @acme/owners\nCloses #1, fixes acme/calc#2, Resolved https://github.com/acme/calc/issues/3\n![x](http://evil.example/p.png) <img src=x> </details>";

describe("fenced: output shown verbatim in a code block", () => {
  it("uses a fence longer than any backtick run inside, so the text cannot close it", () => {
    expect(fenced("a ``` b")).toBe("````\na ``` b\n````");
    expect(fenced("plain")).toBe("```\nplain\n```");
    const tricky = "x\n`````\n@someone";
    expect(fenced(tricky).startsWith("``````\n")).toBe(true);
  });
});

describe("inertMarkdown: markdown kept, nothing live", () => {
  const out = inertMarkdown(HOSTILE);
  it("breaks mentions, closing keywords, images and HTML", () => {
    expect(out).not.toMatch(/@someone|@acme\/owners/);
    expect(out).not.toMatch(/\b(closes|fixes|resolved)\b/i);
    expect(out).not.toContain("![");
    expect(out).not.toContain("<");
    // Still readable: the words are there, with invisible breaks.
    expect(out.replace(/\u200b/g, "")).toContain("cc @someone and @acme/owners");
    expect(out.replace(/\u200b/g, "")).toContain("Closes #1");
  });

  it("leaves fenced code blocks alone and keeps ordinary words", () => {
    expect(inertMarkdown("```\n<div>@x</div>\n```\nfixture prefix fixing")).toBe("```\n<div>@x</div>\n```\nfixture prefix fixing");
  });
});

describe("where agent text is posted", () => {
  it("the pull request body shows the agent summary in a code block", () => {
    const { body } = renderPullRequest({
      issue: { number: 1, title: "t" },
      agentSummary: HOSTILE,
      files: ["a.js"],
      insertions: 1,
      deletions: 1,
      attempts: 1,
      tests: { command: "npm test", passed: true, exitCode: 0, timedOut: false, durationMs: 1, outputTail: "" },
      runId: "r",
    });
    const [, after] = body.split("## Agent summary\n");
    expect(after!.startsWith("```\n")).toBe(true);
    expect(body.startsWith("Fixes #1")).toBe(true);
  });

  it("a review's summary and findings are inert", () => {
    const { summary, findings } = parseReviewOutput(`${HOSTILE}\n{"path": "a.js", "line": 1, "body": "ping @someone, closes #9"}`);
    expect(summary).not.toMatch(/@someone|!\[|<img/);
    expect(findings[0]!.body).not.toMatch(/@someone|\bcloses\b/i);
  });
});
