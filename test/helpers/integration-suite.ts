import nock from "nock";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startAppHarness, type AppHarness } from "./app-harness.js";

/**
 * The set-up every integration file shares: GitHub faked with nock (the loopback engine passes), one app
 * harness on its own engine for the file, the current test's fake stopped after it, and clean-ups run at the end.
 */
export function useAppHarness(options: Parameters<typeof startAppHarness>[0] = {}): {
  harness: () => AppHarness;
  /** The stop function of this test's nock fake: called after the test. */
  useFake: (stop: () => void) => void;
  /** Runs at the end of the file (bare remotes, temp dirs). */
  onCleanup: (cleanup: () => Promise<void>) => void;
} {
  let harness: AppHarness | undefined;
  let stopFake: (() => void) | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    harness = await startAppHarness(options);
  });
  afterEach(() => {
    stopFake?.();
    stopFake = undefined;
  });
  afterAll(async () => {
    await harness?.stop();
    for (const cleanup of cleanups) await cleanup();
    nock.enableNetConnect();
  });
  return {
    harness: () => {
      if (!harness) throw new Error("the app harness is not started yet");
      return harness;
    },
    useFake: (stop) => {
      stopFake = stop;
    },
    onCleanup: (cleanup) => void cleanups.push(cleanup),
  };
}
