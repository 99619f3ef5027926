import { describe, expect, it } from "vitest";
import { helpText, parseCommand, type ParsedComment } from "../../src/webhooks/parse-command.js";

const cmd = (command: Extract<ParsedComment, { kind: "command" }>["command"]): ParsedComment => ({ kind: "command", command });
const NONE: ParsedComment = { kind: "none" };

describe("parseCommand: recognising the command", () => {
  it.each([
    ["/fixbot review", "review"],
    ["/fixbot retry", "retry"],
    ["/fixbot cancel", "cancel"],
    ["/fixbot status", "status"],
    ["/fixbot help", "help"],
  ] as const)("%s", (body, name) => {
    expect(parseCommand(body)).toEqual(cmd({ name }));
  });

  it("is case-insensitive in the word and the subcommand, and tolerates spaces", () => {
    expect(parseCommand("/FixBot REVIEW")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("   /fixbot    status   ")).toEqual(cmd({ name: "status" }));
    expect(parseCommand("\t/fixbot\tcancel")).toEqual(cmd({ name: "cancel" }));
  });

  it("finds a command line after ordinary text", () => {
    expect(parseCommand("Thanks for the report!\n\n/fixbot review\n\nCheers")).toEqual(cmd({ name: "review" }));
  });

  it("only takes the exact /word token", () => {
    for (const body of [
      "/fixbotx review",
      "/fix review",
      "fixbot review",
      "//fixbot review",
      "/fixbot:review",
      "please /fixbot review",
      "x /fixbot review",
    ]) {
      expect(parseCommand(body), body).toEqual(NONE);
    }
  });

  it("returns none for comments without a command", () => {
    expect(parseCommand("")).toEqual(NONE);
    expect(parseCommand("LGTM 👍")).toEqual(NONE);
  });

  it("answers a bare /fixbot with help", () => {
    expect(parseCommand("/fixbot")).toEqual(cmd({ name: "help" }));
    expect(parseCommand("/fixbot   \nmore text")).toEqual(cmd({ name: "help" }));
  });

  it("uses a configured word instead of the default", () => {
    expect(parseCommand("/bot review", "bot")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("/BOT review", "/Bot")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("/fixbot review", "bot")).toEqual(NONE);
    expect(parseCommand("/a.b review", "a.b")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("/axb review", "a.b")).toEqual(NONE);
  });

  it("counts only the first command line", () => {
    expect(parseCommand("/fixbot status\n/fixbot cancel")).toEqual(cmd({ name: "status" }));
    expect(parseCommand("/fixbot nope\n\n/fixbot review")).toMatchObject({ kind: "invalid" });
  });

  it("handles CRLF and lone CR line endings", () => {
    expect(parseCommand("hello\r\n\r\n/fixbot review\r\n")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("/fixbot fix a\r\nb\r\n\r\nc")).toEqual(cmd({ name: "fix", instructions: "a\nb" }));
    expect(parseCommand("x\r/fixbot cancel")).toEqual(cmd({ name: "cancel" }));
  });
});

describe("parseCommand: fix instructions", () => {
  it("takes the rest of the line and the lines below up to a blank line", () => {
    const body = "/fixbot fix the parser drops the last line\nwhen the file has no final newline.\n  Keep the API.\n\nUnrelated text.";
    expect(parseCommand(body)).toEqual(
      cmd({ name: "fix", instructions: "the parser drops the last line\nwhen the file has no final newline.\n  Keep the API." }),
    );
  });

  it("may start on the next line", () => {
    expect(parseCommand("/fixbot fix\nuse a Map here")).toEqual(cmd({ name: "fix", instructions: "use a Map here" }));
  });

  it("is valid without instructions", () => {
    expect(parseCommand("/fixbot fix")).toEqual(cmd({ name: "fix", instructions: "" }));
    expect(parseCommand("/fixbot fix   \n\nlater text")).toEqual(cmd({ name: "fix", instructions: "" }));
    expect(parseCommand("/fixbot FIX")).toEqual(cmd({ name: "fix", instructions: "" }));
  });

  it("keeps code, quotes and later /fixbot lines in the instructions verbatim", () => {
    const body = "/fixbot fix like this:\n```ts\nconst x = 1;\n```\n/fixbot review";
    expect(parseCommand(body)).toEqual(cmd({ name: "fix", instructions: "like this:\n```ts\nconst x = 1;\n```\n/fixbot review" }));
  });

  it("drops HTML comments from the instructions", () => {
    const body = "/fixbot fix do it <!-- not this -->now\n<!-- hidden line -->\nand this";
    expect(parseCommand(body)).toEqual(cmd({ name: "fix", instructions: "do it now\nand this" }));
  });
});

describe("parseCommand: invalid commands", () => {
  it("rejects an unknown subcommand, naming it", () => {
    const out = parseCommand("/fixbot deploy now");
    expect(out).toMatchObject({ kind: "invalid" });
    expect(out.kind === "invalid" && out.reason).toContain("`deploy`");
  });

  it.each(["review", "retry", "cancel", "status", "help"])("rejects arguments to %s, naming the command", (name) => {
    const out = parseCommand(`/fixbot ${name} please now`);
    expect(out.kind).toBe("invalid");
    expect(out.kind === "invalid" && out.reason).toContain(`/fixbot ${name}`);
    expect(out.kind === "invalid" && out.reason).toContain("please now");
  });

  it("quotes user text so the reply cannot mention anyone or inject markdown", () => {
    const out = parseCommand("/fixbot @everyone `x` **bold**");
    expect(out).toEqual({ kind: "invalid", reason: "unknown command `@everyone`; try `/fixbot help`" });
    const long = parseCommand(`/fixbot review ${"a".repeat(200)}`);
    expect(long.kind === "invalid" && long.reason.length).toBeLessThan(120);
  });
});

describe("parseCommand: text that is not a command", () => {
  it("ignores fenced code blocks of backticks and tildes, of any length", () => {
    expect(parseCommand("```\n/fixbot review\n```")).toEqual(NONE);
    expect(parseCommand("~~~\n/fixbot review\n~~~")).toEqual(NONE);
    expect(parseCommand("````md\n```\n/fixbot review\n```\n````")).toEqual(NONE);
    expect(parseCommand("  ```bash\n/fixbot review\n  ```")).toEqual(NONE);
  });

  it("needs a matching closing fence: other fences and short ones do not close", () => {
    expect(parseCommand("```\n~~~\n/fixbot review\n```")).toEqual(NONE);
    expect(parseCommand("````\n```\n/fixbot review")).toEqual(NONE);
    expect(parseCommand("```\n``` not a close\n/fixbot review")).toEqual(NONE);
  });

  it("finds a command after a closed fence, and none after an unclosed one", () => {
    expect(parseCommand("```\n/fixbot cancel\n```\n/fixbot review")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("~~~~\n/fixbot cancel\n~~~~~\n/fixbot review")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("```\ncode\n/fixbot review")).toEqual(NONE);
  });

  it("does not take a line with backticks in its info string for a fence", () => {
    expect(parseCommand("``` `inline` ```\n/fixbot review")).toEqual(cmd({ name: "review" }));
  });

  it("ignores inline code spans, including one that spans lines", () => {
    expect(parseCommand("`/fixbot review`")).toEqual(NONE);
    expect(parseCommand("Use `/fixbot review` to get a review.")).toEqual(NONE);
    expect(parseCommand("see `this\n/fixbot review` here")).toEqual(NONE);
    expect(parseCommand("``a ` b\n/fixbot review``")).toEqual(NONE);
    // A lone backtick opens nothing, and a blank line ends the paragraph (and any span).
    expect(parseCommand("a ` b\n/fixbot review")).toEqual(cmd({ name: "review" }));
    expect(parseCommand("a `b\n\n/fixbot review `c`")).toMatchObject({ kind: "invalid" });
  });

  it("ignores quoted lines, nested or indented", () => {
    expect(parseCommand("> /fixbot review")).toEqual(NONE);
    expect(parseCommand(">/fixbot review")).toEqual(NONE);
    expect(parseCommand("> > /fixbot review")).toEqual(NONE);
    expect(parseCommand("   >> /fixbot review")).toEqual(NONE);
  });

  it("ignores HTML comments, on one line or several", () => {
    expect(parseCommand("<!-- /fixbot review -->")).toEqual(NONE);
    expect(parseCommand("<!--\n/fixbot review\n-->")).toEqual(NONE);
    expect(parseCommand("<!--\n\n/fixbot review\n\n-->")).toEqual(NONE);
    expect(parseCommand("<!-- never closed\n/fixbot review")).toEqual(NONE);
    expect(parseCommand("<!-- a --> /fixbot status")).toEqual(cmd({ name: "status" }));
    expect(parseCommand("<!--\nx\n--> /fixbot status")).toEqual(cmd({ name: "status" }));
  });

  it("does not let a fence inside an HTML comment swallow the rest", () => {
    expect(parseCommand("<!-- ```\n-->\n/fixbot review")).toEqual(cmd({ name: "review" }));
  });

  it("acts on a real command below a quoted earlier one", () => {
    const body = [
      "> /fixbot fix the login page",
      "> crashes on submit",
      "",
      "Sorry, that was the wrong issue. This one:",
      "",
      "/fixbot review",
    ].join("\n");
    expect(parseCommand(body)).toEqual(cmd({ name: "review" }));
  });

  it("takes the real command after a GitHub quote-reply of a fix request", () => {
    const body = "> /fixbot fix use the old API\n\n/fixbot fix use the new API instead\n> not part of the quote above";
    expect(parseCommand(body)).toEqual(cmd({ name: "fix", instructions: "use the new API instead\n> not part of the quote above" }));
  });

  it("never finds a command in its own help text", () => {
    expect(parseCommand(helpText())).toEqual(NONE);
    expect(parseCommand(helpText("bot"), "bot")).toEqual(NONE);
  });
});

describe("helpText", () => {
  it("lists every command with a description and an example", () => {
    const text = helpText();
    for (const name of ["fix", "review", "retry", "cancel", "status", "help"]) {
      expect(text).toMatch(new RegExp(`^- \`/fixbot ${name}\` — .+ Example: \`/fixbot ${name}[^\`]*\`$`, "m"));
    }
  });

  it("uses the configured word", () => {
    expect(helpText("/Bot")).toContain("`/bot review`");
    expect(helpText("bot")).not.toContain("/fixbot ");
  });

  it("gives examples that parse back to their command", () => {
    for (const example of helpText().matchAll(/Example: `([^`]+)`/g)) {
      expect(parseCommand(example[1] ?? "").kind, example[1]).toBe("command");
    }
  });
});
