#!/bin/sh
# Starts the embedded Rivet Engine with fixbot's settings.
#
# RivetKit spawns the engine with its own fixed thresholds (a process counts as lost 7 s after its last ping,
# pinged every 3 s), which puts a floor of 7-14 s under resuming a run after a crash. RivetKit lets the engine
# binary be replaced (RIVET_ENGINE_BINARY); src/runtime/engine.ts points it here, passes the real binary, and
# passes each setting as FIXBOT_ENGINE_SET_<NAME>=<number> (engineTuning). This script sets <NAME> over
# RivetKit's value, then execs the engine (same pid).
set -eu
: "${FIXBOT_ENGINE_REAL_BINARY:?set by fixbot (src/runtime/engine.ts)}"
for setting in $(env | sed -n 's/^FIXBOT_ENGINE_SET_\(RIVET__[A-Z0-9_]*=[0-9]*\)$/\1/p'); do
  export "$setting"
done
exec "$FIXBOT_ENGINE_REAL_BINARY" "$@"
