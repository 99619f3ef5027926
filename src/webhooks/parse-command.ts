/** A slash command fixbot acts on. */
export type Command =
  | { name: "fix"; instructions: string }
  | { name: "review" }
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

const COMMANDS: ReadonlyArray<{ name: Command["name"]; description: string; example: string }> = [
  { name: "fix", description: "Ask an agent to fix this issue; optional instructions follow on the same line and the lines below, up to a blank line.", example: "fix the off-by-one in parseRange; keep the public API" },
  { name: "review", description: "Review this pull request and comment on the changed lines.", example: "review" },
  { name: "retry", description: "Run the last request again from the start.", example: "retry" },
  { name: "cancel", description: "Stop the run in progress.", example: "cancel" },
  { name: "status", description: "Show the state of the current run.", example: "status" },
  { name: "help", description: "Show this list.", example: "help" },
];

/** Markdown listing every command with a one-line description and an example; the reply to `/fixbot help` and to an invalid command. */
export function helpText(word: string = DEFAULT_COMMAND_WORD): string {
  const w = normalizeWord(word);
  const rows = COMMANDS.map((c) => `- \`/${w} ${c.name}\` — ${c.description} Example: \`/${w} ${c.example}\``);
  return [`**fixbot commands** (one per comment, at the start of a line):`, "", ...rows].join("\n");
}

/**
 * Finds the first command for us in an issue or pull-request comment. A command is a line whose first token is
 * exactly `/<word>` (word case-insensitive). Lines in fenced code blocks, inline code spans, quotes (`>`, nested
 * too) and HTML comments are not commands, so quoting an earlier command or showing an example never triggers a
 * run. Only the first command line counts.
 */
export function parseCommand(body: string, word: string = DEFAULT_COMMAND_WORD): ParsedComment {
  const token = `/${normalizeWord(word)}`;
  const lines = classify(body.replace(/\r\n?/g, "\n").split("\n"));
  const at = lines.findIndex((l) => l.kind === "text" && !l.inCode && firstToken(l.text).toLowerCase() === token);
  const line = lines[at];
  if (!line) return { kind: "none" };
  const args = line.text.trimStart().slice(token.length).trim();
  const sub = firstToken(args);
  const rest = args.slice(sub.length).trim();
  const name = sub.toLowerCase();
  if (!name) return { kind: "command", command: { name: "help" } };
  if (name === "fix") {
    const more: string[] = [];
    for (const next of lines.slice(at + 1)) {
      if (next.kind === "hidden") continue;
      if (!next.text.trim()) break;
      more.push(next.text);
    }
    return { kind: "command", command: { name: "fix", instructions: [rest, ...more].join("\n").trim() } };
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

/** Removes `<!-- ... -->` from a line; `open` says whether a comment is still open at its end. */
function stripComments(line: string, inComment: boolean): { text: string; open: boolean } {
  let text = "";
  let rest = line;
  let open = inComment;
  for (;;) {
    if (open) {
      const end = rest.indexOf("-->");
      if (end < 0) return { text, open: true };
      rest = rest.slice(end + 3);
      open = false;
    }
    const start = rest.indexOf("<!--");
    if (start < 0) return { text: text + rest, open: false };
    text += rest.slice(0, start);
    rest = rest.slice(start + 4);
    open = true;
  }
}

/**
 * Marks text lines that begin inside a code span opened on an earlier line of the same paragraph: a backtick run
 * opens a span only if a run of the same length closes it later in the paragraph, as in CommonMark.
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
    const spans: Array<[number, number]> = [];
    const runs = Array.from(joined.matchAll(/`+/g), (m) => ({ at: m.index, len: m[0].length }));
    for (let r = 0; r < runs.length; r++) {
      const opener = runs[r];
      const closer = opener && runs.findIndex((c, k) => k > r && c.len === opener.len);
      if (!opener || closer === undefined || closer < 0) continue;
      spans.push([opener.at, runs[closer]?.at ?? opener.at]);
      r = closer;
    }
    let offset = 0;
    for (const line of para) {
      line.inCode = spans.some(([from, to]) => offset > from && offset <= to);
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
