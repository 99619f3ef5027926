#!/bin/sh
# Starts the embedded Rivet Engine with fixbot's failure-detection settings.
#
# RivetKit spawns the engine with its own fixed thresholds (a process counts as lost 7 s after its last ping,
# pinged every 3 s), which puts a floor of 7-14 s under resuming a run after a crash. RivetKit lets the engine
# binary be replaced (RIVET_ENGINE_BINARY); src/runtime/engine.ts points it here and passes the real binary and
# fixbot's settings, which this script applies on top of RivetKit's before it execs the engine (same pid).
set -eu
: "${FIXBOT_ENGINE_REAL_BINARY:?set by fixbot (src/runtime/engine.ts)}"
if [ -n "${FIXBOT_ENGINE_LOST_MS:-}" ]; then
  export RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD="$FIXBOT_ENGINE_LOST_MS"
  export RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD="$FIXBOT_ENGINE_LOST_MS"
  export RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD="$FIXBOT_ENGINE_ELIGIBLE_MS"
  export RIVET__PEGBOARD__RUNNER_ELIGIBLE_THRESHOLD="$FIXBOT_ENGINE_ELIGIBLE_MS"
  export RIVET__PEGBOARD__ENVOY_UPDATE_PING_INTERVAL="$FIXBOT_ENGINE_PING_MS"
fi
if [ -n "${FIXBOT_ENGINE_LOOKUP_TIMEOUT_MS:-}" ]; then
  export RIVET__GUARD__ROUTE_PEGBOARD_RESOLVE_QUERY_TIMEOUT_MS="$FIXBOT_ENGINE_LOOKUP_TIMEOUT_MS"
fi
exec "$FIXBOT_ENGINE_REAL_BINARY" "$@"
