#!/bin/sh
# Starts the embedded Rivet Engine with fixbot's settings.
#
# RivetKit spawns the engine with its own fixed thresholds (a process counts as lost 7 s after its last ping,
# pinged every 3 s), which puts a floor of 7-14 s under resuming a run after a crash. RivetKit lets the engine
# binary be replaced (RIVET_ENGINE_BINARY); src/runtime/engine.ts points it here, passes the real binary, and
# passes each setting as FIXBOT_ENGINE_SET_<NAME>=<number> (engineTuning). This script sets <NAME> over
# RivetKit's value, gives the engine RIVET_TOKEN as its admin token (RivetKit's clients send it), then execs
# the engine (same pid).
set -eu
: "${FIXBOT_ENGINE_REAL_BINARY:?set by fixbot (src/runtime/engine.ts)}"
for setting in $(env | sed -n 's/^FIXBOT_ENGINE_SET_\(RIVET__[A-Z0-9_]*=[0-9]*\)$/\1/p'); do
  export "$setting"
done
if [ -n "${RIVET_TOKEN:-}" ]; then
  export RIVET__AUTH__ADMIN_TOKEN="$RIVET_TOKEN"
fi
# The engine outlives a killed bot (the next start reuses it). If its data directory is removed, nothing will
# reuse it: a watchdog stops it instead of leaving it running on a deleted database.
if [ -n "${RIVET__FILE_SYSTEM__PATH:-}" ]; then
  engine_pid=$$
  (
    while kill -0 "$engine_pid" 2>/dev/null; do
      if [ ! -d "$RIVET__FILE_SYSTEM__PATH" ]; then
        kill -TERM "$engine_pid" 2>/dev/null || true
        sleep 5
        kill -KILL "$engine_pid" 2>/dev/null || true
        exit 0
      fi
      sleep 1
    done
  ) </dev/null >/dev/null 2>&1 &
fi
exec "$FIXBOT_ENGINE_REAL_BINARY" "$@"
