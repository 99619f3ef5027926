import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "./registry.js";

/** How many delivery ids keep their event name while they wait to be handed on (bounded: a flood cannot grow it). */
const MAX_TRACKED = 10_000;

export type DeliveryOutcome = "accepted" | "ignored" | "refused" | "failed";

/** The outcome of one webhook request from its answer: 4xx refused, 5xx failed, 2xx accepted or ignored. Pure. */
export function deliveryOutcome(status: number, accepted: boolean): DeliveryOutcome {
  if (status >= 500) return "failed";
  if (status >= 400) return "refused";
  return accepted ? "accepted" : "ignored";
}

/**
 * Counts webhook deliveries by event and outcome. The route wrapper sees the request (event, answer, time); the
 * inbox reports what it accepted, handed on and dead-lettered by delivery id. Deliveries accepted by an earlier
 * process are counted with event "unknown" when handed on (their event name is not in the journal).
 */
export function createDeliveryMetrics(metrics: Metrics) {
  const accepted = new Set<string>();
  const events = new Map<string, string>();
  const remember = (id: string, event: string) => {
    if (events.size >= MAX_TRACKED) events.delete(events.keys().next().value!);
    events.set(id, event);
  };
  const later = (id: string, outcome: "handed-on" | "dead-lettered") => {
    metrics.deliveries.inc({ event: events.get(id) ?? "unknown", outcome });
    events.delete(id);
  };
  return {
    /** The inbox recorded this delivery (called while its request is open). */
    accepted: (id: string) => void accepted.add(id),
    handedOn: (ids: readonly string[]) => ids.forEach((id) => later(id, "handed-on")),
    deadLettered: (id: string) => later(id, "dead-lettered"),
    /** Wraps the webhook route: times each POST to `path` and counts its outcome once answered. */
    wrap<Req extends IncomingMessage>(route: (req: Req, res: ServerResponse) => Promise<boolean>, path: string) {
      return (req: Req, res: ServerResponse): Promise<boolean> => {
        if (req.method !== "POST" || (req.url ?? "").split("?")[0]!.replace(/\/+$/, "") !== path.replace(/\/+$/, ""))
          return route(req, res);
        const started = performance.now();
        const event = eventName(req.headers["x-github-event"]);
        const id = String(req.headers["x-github-delivery"] ?? "");
        res.once("finish", () => {
          metrics.webhookAnswer.observe({ event }, (performance.now() - started) / 1000);
          const wasAccepted = accepted.delete(id);
          metrics.deliveries.inc({ event, outcome: deliveryOutcome(res.statusCode, wasAccepted) });
          if (wasAccepted) remember(id, event);
        });
        return route(req, res);
      };
    },
  };
}

export type DeliveryMetrics = ReturnType<typeof createDeliveryMetrics>;

/** GitHub's event names are short snake_case words; anything else is one label value, not a new series. Pure. */
export function eventName(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[a-z_]{1,40}$/.test(value) ? value : "other";
}
