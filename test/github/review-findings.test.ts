import { describe, expect, it } from "vitest";
import type { SkippedFile } from "../../src/diff/diff-chunks.js";
import { parseDiff } from "../../src/diff/diff.js";
import {
  GITHUB_BODY_LIMIT,
  parseReviewOutput,
  placeFindings,
  renderReviewBody,
  truncateBody,
  type Finding,
} from "../../src/github/review-findings.js";

const MARKER = "<!-- fixbot:review run=r1 -->";

describe("parseReviewOutput", () => {
  it("separates JSON finding lines from the markdown summary", () => {
    const stdout = [
      "## Review",
      "",
      "Looks mostly good.",
      '{"path": "src/a.ts", "line": 12, "body": "Off by one here."}',
      '  {"path":"./src/b.ts","line":3,"body":"Unchecked null.","severity":"error"}',
      "- one more note",
      "",
    ].join("\n");
    expect(parseReviewOutput(stdout)).toEqual({
      summary: "## Review\n\nLooks mostly good.\n- one more note",
      findings: [
        { path: "src/a.ts", line: 12, body: "Off by one here." },
        { path: "src/b.ts", line: 3, body: "Unchecked null.", severity: "error" },
      ],
    });
  });

  it("keeps invalid or look-alike JSON lines in the summary", () => {
    const bad = [
      '{"path": "a.ts", "line": 0, "body": "zero"}',
      '{"path": "a.ts", "line": 1.5, "body": "fraction"}',
      '{"path": "a.ts", "line": "3", "body": "string line"}',
      '{"path": "", "line": 3, "body": "no path"}',
      '{"path": "a.ts", "line": 3, "body": "  "}',
      '{"path": "a.ts", "line": 3}',
      '{"path": "a.ts", "line": 3, "body": "x", "severity": "critical"}',
      '{"path": "a.ts", "line": 3, "body": "x"',
      "[1, 2, 3]",
      "{not json}",
      "null",
    ];
    const { summary, findings } = parseReviewOutput(bad.join("\n"));
    expect(findings).toEqual([]);
    expect(summary).toBe(bad.join("\n"));
  });

  it("accepts extra keys, CRLF output and a trailing comma", () => {
    const stdout = 'Summary\r\n{"path":"a.ts","line":2,"body":"b","title":"t"},\r\n';
    expect(parseReviewOutput(stdout)).toEqual({ summary: "Summary", findings: [{ path: "a.ts", line: 2, body: "b" }] });
  });

  it("takes findings out of a code fence and drops the fence it leaves empty", () => {
    const stdout = [
      "Intro",
      "",
      "```jsonl",
      '{"path":"a.ts","line":1,"body":"x"}',
      "",
      "```",
      "",
      "Outro",
      "```ts",
      "const kept = 1;",
      "```",
    ].join("\n");
    const { summary, findings } = parseReviewOutput(stdout);
    expect(findings).toHaveLength(1);
    expect(summary).toBe("Intro\n\nOutro\n```ts\nconst kept = 1;\n```");
  });

  it("collapses the blank runs left where findings were and trims the ends", () => {
    const stdout = '\n\nA\n\n{"path":"a.ts","line":1,"body":"x"}\n\n\nB\n\n';
    expect(parseReviewOutput(stdout).summary).toBe("A\n\nB");
  });

  it("gives an empty summary when there is only findings, and no findings for plain text", () => {
    expect(parseReviewOutput('{"path":"a.ts","line":1,"body":"x"}').summary).toBe("");
    expect(parseReviewOutput("just text").findings).toEqual([]);
    expect(parseReviewOutput("")).toEqual({ summary: "", findings: [] });
  });

  it("caps a huge finding body", () => {
    const body = "x".repeat(GITHUB_BODY_LIMIT + 100);
    const [finding] = parseReviewOutput(JSON.stringify({ path: "a.ts", line: 1, body })).findings;
    expect(finding?.body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(finding?.body).toContain("(truncated");
  });
});

describe("placeFindings", () => {
  const files = parseDiff(
    [
      "diff --git a/src/a.ts b/src/a.ts",
      "--- a/src/a.ts",
      "+++ b/src/a.ts",
      "@@ -10,3 +10,3 @@",
      " ctx",
      "-old",
      "+new",
      " ctx2",
      "diff --git a/img.png b/img.png",
      "Binary files a/img.png and b/img.png differ",
      "diff --git a/old.ts b/renamed.ts",
      "similarity index 90%",
      "rename from old.ts",
      "rename to renamed.ts",
      "--- a/old.ts",
      "+++ b/renamed.ts",
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "",
    ].join("\n"),
  );
  const f = (path: string, line: number): Finding => ({ path, line, body: `${path}:${line}` });

  it("puts findings on added and context lines inline, the rest outside, keeping order", () => {
    const findings = [
      f("src/a.ts", 10),
      f("src/a.ts", 11),
      f("src/a.ts", 12),
      f("src/a.ts", 13),
      f("src/a.ts", 9),
      f("other.ts", 1),
      f("img.png", 1),
      f("renamed.ts", 1),
      f("old.ts", 1),
    ];
    expect(placeFindings(findings, files)).toEqual({
      inline: [f("src/a.ts", 10), f("src/a.ts", 11), f("src/a.ts", 12), f("renamed.ts", 1)],
      outside: [f("src/a.ts", 13), f("src/a.ts", 9), f("other.ts", 1), f("img.png", 1), f("old.ts", 1)],
    });
  });

  it("handles no findings and no files", () => {
    expect(placeFindings([], files)).toEqual({ inline: [], outside: [] });
    expect(placeFindings([f("a.ts", 1)], [])).toEqual({ inline: [], outside: [f("a.ts", 1)] });
  });
});

describe("renderReviewBody", () => {
  const skipped: SkippedFile[] = [
    { path: "package-lock.json", reason: "lockfile" },
    { path: "dist/app.js", reason: "generated" },
    { path: "logo.png", reason: "binary" },
    { path: "big.sql", reason: "too-large" },
    { path: "docs/x.md", reason: "ignored-path" },
  ];

  it("puts the marker first, then the summary, the outside findings, the skipped files and the range", () => {
    const body = renderReviewBody({
      summary: "All good.",
      outside: [
        { path: "src/a.ts", line: 3, body: "Missing await.", severity: "warning" },
        { path: "src/b.ts", line: 7, body: "Line one\nline two" },
      ],
      skipped,
      coveredRange: { from: "abc1234567890", to: "def5678901234" },
      marker: MARKER,
    });
    expect(body).toBe(
      [
        MARKER,
        "",
        "All good.",
        "",
        "### Findings outside the diff (2)",
        "",
        "These lines are not part of the change, so they could not be commented inline.",
        "",
        "- ⚠️ **warning** `src/a.ts:3` — Missing await.",
        "- `src/b.ts:7` — Line one",
        "  line two",
        "",
        "### Files not reviewed (5)",
        "",
        "- `package-lock.json` — lockfile",
        "- `dist/app.js` — generated file",
        "- `logo.png` — binary file",
        "- `big.sql` — too large for the review budget",
        "- `docs/x.md` — matches `pullRequests.ignorePaths`",
        "",
        "<sub>Reviewed commits abc1234..def5678</sub>",
      ].join("\n"),
    );
  });

  it("leaves out empty sections and says when there is no summary", () => {
    expect(renderReviewBody({ summary: "  ", outside: [], skipped: [], marker: MARKER })).toBe(
      `${MARKER}\n\n_The reviewer wrote no summary._`,
    );
  });

  it("quotes paths that contain backticks", () => {
    const body = renderReviewBody({ summary: "s", outside: [], skipped: [{ path: "we`ird.ts", reason: "binary" }], marker: MARKER });
    expect(body).toContain("- `` we`ird.ts `` — binary file");
  });

  it("stays under GitHub's limit with a huge summary, keeping every short section whole", () => {
    const body = renderReviewBody({
      summary: "word ".repeat(30_000),
      outside: [{ path: "a.ts", line: 1, body: "finding" }],
      skipped,
      coveredRange: { from: "a".repeat(40), to: "b".repeat(40) },
      marker: MARKER,
    });
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toMatch(/\(truncated: \d+ more characters\)/);
    expect(body).toContain("- `a.ts:1` — finding");
    for (const s of skipped) expect(body).toContain(s.path);
    expect(body.endsWith("<sub>Reviewed commits aaaaaaa..bbbbbbb</sub>")).toBe(true);
  });

  it("says how many findings and skipped files were cut when the lists are huge", () => {
    const outside = Array.from({ length: 3_000 }, (_, i): Finding => ({
      path: `src/file${i}.ts`,
      line: i + 1,
      body: "A finding that is long enough to matter. ".repeat(3),
    }));
    const many = Array.from({ length: 3_000 }, (_, i): SkippedFile => ({ path: `gen/file${i}.ts`, reason: "generated" }));
    const body = renderReviewBody({
      summary: "Summary.",
      outside,
      skipped: many,
      marker: MARKER,
      coveredRange: { from: "1234567", to: "89abcde" },
    });
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(body).toContain("Summary.");
    expect(body).toContain("### Findings outside the diff (3000)");
    expect(body).toContain("### Files not reviewed (3000)");
    expect(body).toMatch(/- … and \d+ more findings \(truncated\)/);
    expect(body).toMatch(/- … and \d+ more files \(truncated\)/);
    expect(body).toContain("<sub>Reviewed commits 1234567..89abcde</sub>");
    const shownFindings = body.split("\n").filter((l) => l.startsWith("- `src/file")).length;
    const cutFindings = Number(/and (\d+) more findings/.exec(body)?.[1]);
    expect(shownFindings + cutFindings).toBe(3_000);
    const shownFiles = body.split("\n").filter((l) => l.startsWith("- `gen/file")).length;
    expect(shownFiles + Number(/and (\d+) more files/.exec(body)?.[1])).toBe(3_000);
  });
});

describe("truncateBody", () => {
  it("leaves a short body alone", () => {
    expect(truncateBody("short", 100)).toBe("short");
  });

  it("cuts to the limit and says how much was left out", () => {
    const out = truncateBody("x".repeat(1_000), 200);
    expect(out.length).toBeLessThanOrEqual(200);
    const cut = Number(/truncated: (\d+) more characters/.exec(out)?.[1]);
    expect(out.indexOf("\n")).toBe(1_000 - cut);
  });

  it("closes a code fence the cut left open", () => {
    const out = truncateBody(`Log:\n~~~~\n${"line\n".repeat(100)}~~~~\nafter`, 150);
    expect(out.length).toBeLessThanOrEqual(150);
    expect(out).toMatch(/\n~~~~\n\n… \(truncated: \d+ more characters\)$/);
  });

  it("does not split a surrogate pair", () => {
    const out = truncateBody("😀".repeat(100), 80);
    expect(out.length).toBeLessThanOrEqual(80);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
