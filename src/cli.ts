import { main } from "./cli/main.js";

// Entry of the `fixbot` command: no logic here.
main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fixbot: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
