import { z } from "zod";
import type { ConfigCacheSettings } from "../github/config-cache.js";

/** The intake's relevance filter and its repository-config cache (src/intake/, src/github/config-cache.ts). */
export const IntakeEnvSchema = z.object({
  /**
   * "on" (default): deliveries the repository's config rules out (a label that is not the configured one, a pull
   * request of a repository with automatic review off...) are settled in the intake, without an actor. "off":
   * every delivery goes to its actor, whose workflow decides (slower; for comparison and troubleshooting).
   */
  FIXBOT_RELEVANCE_FILTER: z.enum(["on", "off"]).default("on"),
  /**
   * How long a repository's config, once read, is used without asking GitHub again (then it is asked with
   * If-None-Match: an unchanged file costs a 304, which does not count against the rate limit). A push that
   * changes the file on the default branch drops it at once. 0: every use asks (conditionally).
   */
  FIXBOT_CONFIG_CACHE_SECONDS: z.coerce
    .number()
    .int()
    .min(0, "must be 0 or more (seconds)")
    .max(86_400, "must be at most 86400 (a day)")
    .default(300),
  /** Config files remembered per installation at most (least recently used go first). */
  FIXBOT_CONFIG_CACHE_ENTRIES: z.coerce.number().int().min(1, "must be at least 1").max(1_000_000).default(1000),
});

export type IntakeEnv = z.infer<typeof IntakeEnvSchema>;

/** The config cache's settings from the environment. Pure. */
export function configCacheSettings(env: IntakeEnv): ConfigCacheSettings {
  return { maxAgeMs: env.FIXBOT_CONFIG_CACHE_SECONDS * 1000, maxEntries: env.FIXBOT_CONFIG_CACHE_ENTRIES };
}
