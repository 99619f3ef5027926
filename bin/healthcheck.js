#!/usr/bin/env node
// The image's health check: GET /readyz through 127.0.0.2, a loopback address only a server listening on all
// interfaces (HOST=0.0.0.0 or ::) answers. A bot bound to 127.0.0.1 alone would pass a check on 127.0.0.1 while
// the published port reached nothing; this one fails then. Exit 0 when ready, 1 otherwise.
const port = Number(process.env.PORT) || 3000;
const url = `http://127.0.0.2:${port}/readyz`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
  if (!res.ok) console.error(`fixbot health check: ${url} answered ${res.status} ${await res.text()}`);
  process.exit(res.ok ? 0 : 1);
} catch (error) {
  console.error(`fixbot health check: ${url} unreachable (${error.cause?.code ?? error.message}); is HOST=0.0.0.0?`);
  process.exit(1);
}
