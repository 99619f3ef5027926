import { describe, expect, it } from "vitest";
import { redact } from "../../src/util/redact.js";

const GHS = `ghs_${"A1b2C3d4E5".repeat(3)}`;

describe("redact", () => {
  it("replaces given secrets everywhere", () => {
    expect(redact("key=supersecret and again supersecret.", ["supersecret"])).toBe("key=*** and again ***.");
  });

  it("ignores given secrets shorter than 6 chars", () => {
    expect(redact("the cat sat", ["cat", "at"])).toBe("the cat sat");
  });

  it("masks the longer of two overlapping secrets whole", () => {
    expect(redact("abcdef123456", ["abcdef", "abcdef123456"])).toBe("***");
  });

  it("masks URL-encoded copies of given secrets", () => {
    expect(redact("https://u:p%40ss%2Fword@host", ["p@ss/word"])).toBe("https://u:***@host");
  });

  it.each(["ghs_", "ghp_", "gho_", "ghu_", "ghr_"])("masks GitHub %s tokens without being told", (prefix) => {
    const token = `${prefix}${"x".repeat(36)}`;
    expect(redact(`token: ${token} end`, [])).toBe("token: *** end");
  });

  it("masks GitHub tokens glued to preceding text", () => {
    expect(redact(`no newline before${GHS}`, [])).toBe("no newline before***");
  });

  it("masks fine-grained github_pat_ tokens", () => {
    expect(redact(`github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz`, [])).toBe("***");
  });

  it("does not mask short gh-like words", () => {
    expect(redact("ghp_short and ghs_", [])).toBe("ghp_short and ghs_");
  });

  it("masks x-access-token credentials in URLs", () => {
    expect(redact("fatal: https://x-access-token:abc.def-123@github.com/o/r.git", [])).toBe(
      "fatal: https://x-access-token:***@github.com/o/r.git",
    );
  });

  it("masks Authorization header values, keeping the scheme", () => {
    expect(redact("Authorization: token abc123", [])).toBe("Authorization: token ***");
    expect(redact("Authorization: Bearer eyJhbGciOi.x.y", [])).toBe("Authorization: Bearer ***");
    expect(redact("http.extraheader=AUTHORIZATION: basic eC1hY2Nlc3M6Z2hz", [])).toBe("http.extraheader=AUTHORIZATION: basic ***");
    expect(redact('{"authorization": "opaque-value"}', [])).toBe('{"authorization": "***"}');
  });

  it("does not swallow the next line after a bare scheme", () => {
    expect(redact("Authorization: Bearer\nnext line", [])).toBe("Authorization: ***\nnext line");
  });

  it("masks PEM private key blocks", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabcdef==\n-----END RSA PRIVATE KEY-----";
    expect(redact(`before\n${pem}\nafter`, [])).toBe("before\n***\nafter");
    expect(redact("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", [])).toBe("***");
  });

  it("masks a key block cut at either edge of the text", () => {
    expect(redact("log\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", [])).toBe("log\n***");
    expect(redact("NhAAAAAwEAAQ\nAAABAQ==\n-----END OPENSSH PRIVATE KEY-----\nmore", [])).toBe("***\nmore");
  });

  it("masks the lines of a multi-line secret seen separately", () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAxyz\n-----END RSA PRIVATE KEY-----";
    expect(redact("chunk: MIIEowIBAAKCAQEAxyz", [key])).toBe("chunk: ***");
  });

  it("masks Anthropic and OpenAI style keys", () => {
    expect(redact(`ANTHROPIC_API_KEY=sk-ant-api03-${"a".repeat(40)}`, [])).toBe("ANTHROPIC_API_KEY=***");
    expect(redact(`key sk-proj-${"B".repeat(30)}.`, [])).toBe("key ***.");
    expect(redact("task-list and sk-short", [])).toBe("task-list and sk-short");
  });

  it("is pure and idempotent", () => {
    const text = `push to https://x-access-token:${GHS}@github.com failed`;
    const once = redact(text, [GHS]);
    expect(once).toBe("push to https://x-access-token:***@github.com failed");
    expect(redact(once, [GHS])).toBe(once);
    expect(text).toContain(GHS);
  });
});
