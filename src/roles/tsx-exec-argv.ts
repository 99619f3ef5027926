/**
 * Node's flags for a child process running fixbot's TypeScript sources: this process's own flags with tsx's
 * ESM loader, also when this process loaded tsx through its API (bin/fixbot.js) rather than `--import tsx`.
 */
export function tsxExecArgv(execArgv: readonly string[] = process.execArgv, tsxLoader: string = import.meta.resolve("tsx")): string[] {
  const hasTsx = execArgv.some(
    (arg, i) =>
      /tsx/.test(arg) &&
      (arg.startsWith("--import") ||
        arg.startsWith("--require") ||
        arg.startsWith("--loader") ||
        /^--(import|require|loader)$/.test(execArgv[i - 1] ?? "")),
  );
  return hasTsx ? [...execArgv] : [...execArgv, "--import", tsxLoader];
}
