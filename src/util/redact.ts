/**
 * Secret scrubbing for anything that leaves the process: logs, issue comments, agent feedback. Given secrets are
 * replaced verbatim, and well-known credential shapes are replaced even when nobody told us about them, because an
 * agent or a test may print a token it found in its environment or in a git remote URL.
 */

const MASK = "***";
/** Shorter "secrets" would mask ordinary words and make the output unreadable. */
const MIN_SECRET_LENGTH = 6;

type Rule = readonly [RegExp, (match: string, ...groups: string[]) => string];
const mask = (): string => MASK;

const RULES: readonly Rule[] = [
  // PEM private keys (RSA, EC, OPENSSH, plain PRIVATE KEY), the whole block.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g, mask],
  // A key block cut by truncation or streaming (whole blocks are gone by now): a BEGIN with no END masks to the
  // end of the text, and base64 lines at the very start of the text up to an END are masked.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*$/g, mask],
  [/^[A-Za-z0-9+/=\s]*-----END [A-Z0-9 ]*PRIVATE KEY-----/g, mask],
  // Authorization header values, keeping the scheme: "Authorization: token abc", "AUTHORIZATION: basic eHg=".
  [
    /(\bauthorization["']?[ \t]*[:=][ \t]*["']?)(?:([A-Za-z][A-Za-z-]*)[ \t]+)?([^\s"',;]+)/gi,
    (_m, prefix, scheme) => `${prefix}${scheme ? `${scheme} ` : ""}${MASK}`,
  ],
  // Credentials in URLs: https://x-access-token:TOKEN@github.com
  [/(x-access-token:)[^@\s/]+@/gi, (_m, prefix) => `${prefix}${MASK}@`],
  // GitHub tokens: installation (ghs_), personal (ghp_), OAuth (gho_), user-to-server (ghu_), refresh (ghr_).
  // No leading \b: output without a trailing newline can glue a token to the preceding word.
  [/gh[pousr]_[A-Za-z0-9]{20,}/g, mask],
  [/github_pat_[A-Za-z0-9_]{20,}/g, mask],
  // Anthropic / OpenAI style API keys.
  [/\bsk-(?:ant-)?[A-Za-z0-9_-]{20,}/g, mask],
];

/** Returns `text` with the given secrets and known token shapes replaced by `***`. Pure. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another one is masked whole.
  const given = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of given) {
    out = out.split(secret).join(MASK);
    // A multi-line secret (a PEM key) may reach us split across chunks: mask its lines one by one too.
    if (secret.includes("\n")) {
      for (const line of secret.split(/\r?\n/)) {
        if (line.trim().length >= MIN_SECRET_LENGTH) out = out.split(line.trim()).join(MASK);
      }
    }
    // Also catch a secret re-encoded on its way out, e.g. inside a URL.
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  for (const [pattern, replace] of RULES) out = out.replace(pattern, replace);
  return out;
}
