/**
 * One readable line for an error shown to a user. Git puts progress ("Cloning into ...") before the real cause,
 * so a `fatal:` or `error:` line wins over the first line. Pure.
 */
export function errorLine(error: unknown, max = 300): string {
  // Workflow failures arrive as plain { name, message } records, not Error instances.
  const message = typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const cause = lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines[0] ?? "unknown error";
  return cause.length > max ? `${cause.slice(0, max - 1)}…` : cause;
}
