import { TICK_MS } from "./wake.js";

/** What scheduling a tick needs of an actor's action context (see src/actors/wake.ts). */
interface TickContext {
  state: { nextTickAt?: number };
  schedule: { after(ms: number, action: string): Promise<unknown> };
}

/** Schedules the actor's next wake-up tick and records when it fires (the chain checks read it). */
export async function scheduleTick(c: TickContext, now: number): Promise<void> {
  c.state.nextTickAt = now + TICK_MS;
  await c.schedule.after(TICK_MS, "tick");
}
