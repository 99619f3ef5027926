/**
 * The test command to run: the configured one, else `npm test` when package.json declares a test script.
 * Returns undefined when there is nothing to run (the caller reports that clearly). Pure: takes the file text.
 */
export function detectTestCommand(configured: string | undefined, packageJsonText: string | undefined): string | undefined {
  if (configured) return configured;
  if (!packageJsonText) return undefined;
  try {
    const pkg = JSON.parse(packageJsonText) as { scripts?: Record<string, unknown> };
    const test = pkg.scripts?.test;
    if (typeof test === "string" && test.trim() && !/no test specified/.test(test)) return "npm test";
  } catch {
    return undefined;
  }
  return undefined;
}
