import type { CliIO } from "./main.js";

/** The GitHub App's process roles as subcommands (README, "Scaling the intake and the runners"). */
export const ROLE_COMMANDS = ["serve", "work"] as const;

export const ROLES_USAGE = `       fixbot serve   the GitHub App's webhook intake only (as FIXBOT_ROLE=serve)
       fixbot work    the GitHub App's workflow runner only (as FIXBOT_ROLE=work)
  (npm start runs both, the workflows in a supervised child process.)`;

export function isRoleCommand(command: string): command is (typeof ROLE_COMMANDS)[number] {
  return (ROLE_COMMANDS as readonly string[]).includes(command);
}

/**
 * `fixbot serve` / `fixbot work`: the bot's entry (src/server.ts) with FIXBOT_ROLE set; it runs until a signal
 * stops it (the entry's own handler exits the process), so this resolves only with a start-up failure.
 */
export async function runRole(command: (typeof ROLE_COMMANDS)[number], io: CliIO): Promise<number> {
  if (io.env.FIXBOT_ROLE && io.env.FIXBOT_ROLE !== command) {
    io.stderr(`fixbot: \`fixbot ${command}\` with FIXBOT_ROLE=${io.env.FIXBOT_ROLE}: unset FIXBOT_ROLE or make them agree\n`);
    return 2;
  }
  io.env.FIXBOT_ROLE = command;
  const { main } = await import("../server.js");
  await main();
  return new Promise<number>(() => undefined);
}
