/** A slash command fixbot acts on. */
export type Command =
  | { name: "fix"; instructions: string }
  | { name: "review" }
  | { name: "ask"; question: string }
  | { name: "retry" }
  | { name: "cancel" }
  | { name: "status" }
  | { name: "help" };

export type ParsedComment =
  /** No command for us in this comment. */
  | { kind: "none" }
  | { kind: "command"; command: Command }
  /** Our word, but an unknown command or bad arguments: reply with the help text. */
  | { kind: "invalid"; reason: string };

/** The default command word: `/fixbot fix ...`. */
export const DEFAULT_COMMAND_WORD = "fixbot";

/**
 * Only this much of a comment is looked at (GitHub's own cap on a comment body): the intake runs for every
 * comment in every installed repository, so its work is bounded by this, whatever a webhook carries.
 */
export const MAX_SCANNED_CHARS = 65_536;

/**
 * The cheap first look, before any parsing: could this text hold our command at all? A plain case-insensitive
 * substring search over the scanned prefix. Pure, linear.
 */
export function mentionsCommandWord(body: string, word: string = DEFAULT_COMMAND_WORD): boolean {
  return body
    .slice(0, MAX_SCANNED_CHARS)
    .toLowerCase()
    .includes(`/${normalizeWord(word)}`);
}

const COMMANDS: ReadonlyArray<{ name: Command["name"]; description: string; example: string }> = [
  {
    name: "fix",
    description: "Ask an agent to fix this issue; optional instructions follow on the same line and the lines below, up to a blank line.",
    example: "fix the off-by-one in parseRange; keep the public API",
  },
  { name: "review", description: "Review this pull request and comment on the changed lines.", example: "review" },
  {
    name: "ask",
    description: "Ask a question about this issue or pull request: an agent reads the code and answers in a reply, changing nothing.",
    example: "ask where is the retry delay computed?",
  },
  {
    name: "retry",
    description:
      "Run the last request again: a run that stopped with an error or was cancelled resumes from that step (finished steps are not repeated); one whose tests still failed gets fresh agent attempts.",
    example: "retry",
  },
  { name: "cancel", description: "Stop the run in progress.", example: "cancel" },
  { name: "status", description: "Show the state of the current run.", example: "status" },
  { name: "help", description: "Show this list.", example: "help" },
];

/** Markdown listing every command with a one-line description and an example; the reply to `/fixbot help` and to an invalid command. */
export function helpText(word: string = DEFAULT_COMMAND_WORD): string {
  const w = normalizeWord(word);
  const rows = COMMANDS.map((c) => `- \`/${w} ${c.name}\` — ${c.description} Example: \`/${w} ${c.example}\``);
  return [
    `**fixbot commands** (one per comment, at the start of a line, within the comment's first ${MAX_SCANNED_CHARS.toLocaleString("en-US")} characters):`,
    "",
    ...rows,
  ].join("\n");
}

/**
 * Finds the first command for us in an issue or pull-request comment. A command is a line whose first token is
 * exactly `/<word>` (word case-insensitive). Lines in fenced code blocks, inline code spans, quotes (`>`, nested
 * too) and HTML comments are not commands, so quoting an earlier command or showing an example never triggers a
 * run. Only the first command line counts, and only the first MAX_SCANNED_CHARS characters are read. Linear in
 * that prefix (hostile comments of many lines and code spans included).
 */
export function parseCommand(body: string, word: string = DEFAULT_COMMAND_WORD): ParsedComment {
  const token = `/${normalizeWord(word)}`;
  const lines = classify(body.slice(0, MAX_SCANNED_CHARS).replace(/\r\n?/g, "\n").split("\n"));
  const at = lines.findIndex((l) => l.kind === "text" && !l.inCode && firstToken(l.text).toLowerCase() === token);
  const line = lines[at];
  if (!line) return { kind: "none" };
  const args = line.text.trimStart().slice(token.length).trim();
  const sub = firstToken(args);
  const rest = args.slice(sub.length).trim();
  const name = sub.toLowerCase();
  if (!name) return { kind: "command", command: { name: "help" } };
  if (name === "fix" || name === "ask") {
    const more: string[] = [];
    for (const next of lines.slice(at + 1)) {
      if (next.kind === "hidden") continue;
      if (!next.text.trim()) break;
      more.push(next.text);
    }
    const text = [rest, ...more].join("\n").trim();
    if (name === "fix") return { kind: "command", command: { name: "fix", instructions: text } };
    if (!text) return { kind: "invalid", reason: `\`${token} ask\` needs a question after it` };
    return { kind: "command", command: { name: "ask", question: text } };
  }
  if (name === "review" || name === "retry" || name === "cancel" || name === "status" || name === "help") {
    if (rest) return { kind: "invalid", reason: `\`${token} ${name}\` takes no arguments (got ${clip(rest)})` };
    return { kind: "command", command: { name } };
  }
  return { kind: "invalid", reason: `unknown command ${clip(sub)}; try \`${token} help\`` };
}

interface Line {
  /** text: ordinary markdown; code: in a fenced block; quote: a `>` line; hidden: wholly inside an HTML comment. */
  kind: "text" | "code" | "quote" | "hidden";
  /** The line with HTML comments removed. */
  text: string;
  /** The line starts inside an inline code span that opened on an earlier line of the paragraph. */
  inCode?: boolean;
}

/** One pass over the lines, tracking fences and HTML comments the way a markdown renderer would. */
function classify(raw: string[]): Line[] {
  const out: Line[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (const original of raw) {
    if (fence) {
      out.push({ kind: "code", text: original });
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(original)?.[1];
      if (close && close[0] === fence[0] && close.length >= fence.length) fence = undefined;
      continue;
    }
    const startsHidden = inComment;
    const stripped = stripComments(original, inComment);
    inComment = stripped.open;
    const text = stripped.text;
    if (!text.trim() && (original.trim() || startsHidden)) {
      out.push({ kind: "hidden", text });
      continue;
    }
    const open = /^\s*(`{3,}|~{3,})(.*)$/.exec(text);
    if (open?.[1] && !(open[1][0] === "`" && open[2]?.includes("`"))) {
      fence = open[1];
      out.push({ kind: "code", text });
    } else out.push({ kind: /^\s*>/.test(text) ? "quote" : "text", text });
  }
  markCodeSpans(out);
  return out;
}

/** Removes `<!-- ... -->` from a line; `open` says whether a comment is still open at its end. Linear (indices, no re-slicing). */
function stripComments(line: string, inComment: boolean): { text: string; open: boolean } {
  const kept: string[] = [];
  let at = 0;
  let open = inComment;
  for (;;) {
    if (open) {
      const end = line.indexOf("-->", at);
      if (end < 0) return { text: kept.join(""), open: true };
      at = end + 3;
      open = false;
    }
    const start = line.indexOf("<!--", at);
    if (start < 0) {
      kept.push(line.slice(at));
      return { text: kept.join(""), open: false };
    }
    kept.push(line.slice(at, start));
    at = start + 4;
    open = true;
  }
}

/**
 * Marks text lines that begin inside a code span opened on an earlier line of the same paragraph: a backtick run
 * opens a span only if a run of the same length closes it later in the paragraph, as in CommonMark. Linear in the
 * paragraph: each run's closer is found through a table of "next run of the same length", built back to front,
 * and the spans (ordered, disjoint) are walked with the lines by one cursor.
 */
function markCodeSpans(lines: Line[]): void {
  let i = 0;
  while (i < lines.length) {
    if (lines[i]?.kind !== "text" || !lines[i]?.text.trim()) {
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]?.kind === "text" && lines[j]?.text.trim()) j++;
    const para = lines.slice(i, j);
    const joined = para.map((l) => l.text).join("\n");
    const runs = Array.from(joined.matchAll(/`+/g), (m) => ({ at: m.index, len: m[0].length }));
    const nextSame = new Array<number>(runs.length).fill(-1);
    const lastByLen = new Map<number, number>();
    for (let r = runs.length - 1; r >= 0; r--) {
      const len = runs[r]!.len;
      nextSame[r] = lastByLen.get(len) ?? -1;
      lastByLen.set(len, r);
    }
    const spans: Array<[number, number]> = [];
    for (let r = 0; r < runs.length; r++) {
      const closer = nextSame[r]!;
      if (closer < 0) continue;
      spans.push([runs[r]!.at, runs[closer]!.at]);
      r = closer;
    }
    let offset = 0;
    let s = 0;
    for (const line of para) {
      while (s < spans.length && spans[s]![1] < offset) s++;
      const span = spans[s];
      line.inCode = span !== undefined && offset > span[0] && offset <= span[1];
      offset += line.text.length + 1;
    }
    i = j;
  }
}

function firstToken(text: string): string {
  return /^\s*(\S*)/.exec(text)?.[1] ?? "";
}

function normalizeWord(word: string): string {
  return word.trim().replace(/^\/+/, "").toLowerCase() || DEFAULT_COMMAND_WORD;
}

/** User text quoted in a reply: one line, short, in a code span so it cannot mention anyone or inject markdown. */
function clip(text: string): string {
  const one = text.replace(/\s+/g, " ").replace(/`/g, "'");
  return `\`${one.length > 60 ? `${one.slice(0, 57)}...` : one}\``;
}
