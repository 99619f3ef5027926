import { describe, expect, it } from "vitest";
import { countBySeverity, findingsTitle, reviewConclusion, checksNotGranted, checkExternalId } from "../../src/github/check-run.js";
import { parseDiff } from "../../src/diff/diff.js";
import { parseReviewOutput, placeFindings, renderReviewBody } from "../../src/github/review-findings.js";
import { suggestionBlock } from "../../src/github/suggestions.js";

const DIFF = parseDiff(
  [
    "diff --git a/src/a.js b/src/a.js",
    "--- a/src/a.js",
    "+++ b/src/a.js",
    "@@ -10,3 +10,4 @@",
    " ctx",
    "-old",
    "+new",
    "+new2",
    " ctx2",
    "",
  ].join("\n"),
);

describe("committable suggestions", () => {
  it("reads a replacement (one line or a range) from a finding line; malformed ones stay in the summary", () => {
    const good = [
      '{"path":"src/a.js","line":11,"body":"Use a Set.","suggestion":"const seen = new Set();"}',
      '{"path":"src/a.js","line":12,"startLine":11,"body":"Both lines.","suggestion":"a\\r\\nb\\n"}',
    ];
    const bad = [
      '{"path":"src/a.js","line":11,"body":"x","suggestion":3}',
      '{"path":"src/a.js","line":11,"body":"x","startLine":12,"suggestion":"y"}',
      '{"path":"src/a.js","line":11,"body":"x","startLine":10}',
      '{"path":"src/a.js","line":200,"body":"x","startLine":100,"suggestion":"too many lines"}',
    ];
    const { summary, findings } = parseReviewOutput([...good, ...bad].join("\n"));
    expect(findings).toEqual([
      { path: "src/a.js", line: 11, body: "Use a Set.", suggestion: "const seen = new Set();" },
      { path: "src/a.js", line: 12, startLine: 11, body: "Both lines.", suggestion: "a\nb" },
    ]);
    expect(summary).toBe(bad.join("\n"));
  });

  it("goes inline only when every replaced line is in the diff; otherwise the finding stays in the body", () => {
    const findings = parseReviewOutput(
      [
        '{"path":"src/a.js","line":12,"startLine":11,"body":"Inside.","suggestion":"x"}',
        '{"path":"src/a.js","line":11,"startLine":5,"body":"Starts before the hunk.","suggestion":"y"}',
        '{"path":"src/b.js","line":1,"body":"Not in the diff.","suggestion":"z"}',
      ].join("\n"),
    ).findings;
    const { inline, outside } = placeFindings(findings, DIFF);
    expect(inline.map((f) => f.body)).toEqual(["Inside."]);
    expect(outside.map((f) => f.body)).toEqual(["Starts before the hunk.", "Not in the diff."]);
    const body = renderReviewBody({ summary: "S", outside, skipped: [], marker: "<!-- m -->" });
    expect(body).toContain("`src/a.js:5-11` — Starts before the hunk.");
    expect(body).toContain("Proposed replacement:\n  ```\n  y\n  ```");
    expect(body).not.toContain("```suggestion");
  });

  it("a suggestion block's fence is longer than any backtick run in the replacement, so it cannot be closed early", () => {
    expect(suggestionBlock("const a = 1;")).toBe("```suggestion\nconst a = 1;\n```");
    const hostile = "x\n````\n@someone ![img](http://x) </details>";
    const block = suggestionBlock(hostile);
    expect(block.startsWith("`````suggestion\n")).toBe(true);
    expect(block.endsWith("\n`````")).toBe(true);
    expect(block.slice(16, -6)).toBe(hostile);
  });
});

describe("review check runs", () => {
  const counts = countBySeverity([{ severity: "error" }, { severity: "warning" }, { severity: "warning" }, {}]);

  it("counts findings by severity (none given: info) and names them", () => {
    expect(counts).toEqual({ error: 1, warning: 2, info: 1 });
    expect(findingsTitle(counts)).toBe("4 findings: 1 error, 2 warnings, 1 info");
    expect(findingsTitle(countBySeverity([]))).toBe("No findings");
  });

  it("concludes by pullRequests.failOn", () => {
    expect(reviewConclusion(counts, "never")).toBe("success");
    expect(reviewConclusion(counts, "error")).toBe("failure");
    expect(reviewConclusion(counts, "warning")).toBe("failure");
    const warnings = countBySeverity([{ severity: "warning" }, { severity: "info" }]);
    expect(reviewConclusion(warnings, "error")).toBe("success");
    expect(reviewConclusion(warnings, "warning")).toBe("failure");
    expect(reviewConclusion(countBySeverity([{ severity: "info" }]), "warning")).toBe("success");
  });

  it("one external id per kind and head; a refused permission is told apart from other errors", () => {
    expect(checkExternalId("review", "abc")).toBe("fixbot-review:abc");
    expect(checksNotGranted({ status: 403, message: "Resource not accessible by integration" })).toBe(true);
    expect(checksNotGranted({ status: 422, message: "The permissions requested are not granted to this installation." })).toBe(true);
    expect(checksNotGranted({ status: 422, message: "Validation failed" })).toBe(false);
    expect(checksNotGranted({ status: 500 })).toBe(false);
  });
});
