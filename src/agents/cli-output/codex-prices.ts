import type { TokenPrices } from "./codex-events.js";

/** A bad FIXBOT_CODEX_PRICES; the message names the variable and the expected form. */
export class CodexPricesError extends Error {
  override name = "CodexPricesError";
}

const FORM =
  "expected `input=<USD per 1M tokens>,output=<USD per 1M tokens>[,cached=<USD per 1M tokens>]`, e.g. `input=1.25,cached=0.125,output=10`";

/**
 * The operator's Codex prices (FIXBOT_CODEX_PRICES), USD per million tokens. Unset or empty: undefined (Codex's
 * cost is then not computed). Pure; throws CodexPricesError naming the problem.
 */
export function parseCodexPrices(value: string | undefined): TokenPrices | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const fields = new Map<string, number>();
  for (const part of value.split(",")) {
    const [key = "", raw = ""] = part.split("=").map((s) => s.trim());
    const price = Number(raw);
    if (!["input", "output", "cached"].includes(key) || raw === "" || !Number.isFinite(price) || price < 0) {
      throw new CodexPricesError(`invalid FIXBOT_CODEX_PRICES "${value}": ${FORM}`);
    }
    fields.set(key, price);
  }
  const input = fields.get("input");
  const output = fields.get("output");
  if (input === undefined || output === undefined) throw new CodexPricesError(`invalid FIXBOT_CODEX_PRICES "${value}": ${FORM}`);
  const cached = fields.get("cached");
  return { inputPerMTok: input, outputPerMTok: output, ...(cached !== undefined ? { cachedInputPerMTok: cached } : {}) };
}
