import type { Logger } from "pino";
import type { InboxEntry } from "./journal-records.js";

/** Settles what needs no actor (src/intake/settle-irrelevant.ts): delivery id -> why. */
export type SettleEntries = (entries: InboxEntry[]) => Promise<ReadonlyMap<string, string>>;

/**
 * Splits a hand-over batch into the entries settled without an actor and the rest (in order). A settle that
 * fails settles nothing: the whole batch goes to its actor, the way it did before there was a filter.
 */
export async function splitSettled(params: {
  batch: InboxEntry[];
  settle?: SettleEntries;
  route: string;
  log: Logger;
}): Promise<{ settled: Array<{ entry: InboxEntry; reason: string }>; rest: InboxEntry[] }> {
  const { batch, settle, log } = params;
  if (!settle || batch.length === 0) return { settled: [], rest: batch };
  let reasons: ReadonlyMap<string, string>;
  try {
    reasons = await settle(batch);
  } catch (error) {
    log.debug({ deliveryId: batch[0]!.id, route: params.route, err: error }, "relevance not decided; handing on as usual");
    return { settled: [], rest: batch };
  }
  const settled: Array<{ entry: InboxEntry; reason: string }> = [];
  const rest: InboxEntry[] = [];
  for (const entry of batch) {
    const reason = reasons.get(entry.id);
    if (reason === undefined) rest.push(entry);
    else settled.push({ entry, reason });
  }
  for (const { entry, reason } of settled)
    log.debug({ deliveryId: entry.id, kind: entry.kind, reason }, "webhook settled at the intake: it cannot start or change a run");
  if (settled.length > 0)
    log.info(
      { deliveryId: settled[0]!.entry.id, route: params.route, count: settled.length },
      "webhooks settled at the intake, no actor needed",
    );
  return { settled, rest };
}
