import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { loggerOptions } from "../../src/runtime/logger.js";

/** fixbot's logger options writing JSON lines into memory. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino(loggerOptions({}), sink), text: () => lines.join("") };
}

describe("the logger keeps credentials out of log lines", () => {
  it("redacts cookies, authorization and the sign-in code of an HTTP log line, in its fields and its message", () => {
    const { log, text } = capture();
    const url = "/runs/auth/callback?state=st4te-value&code=0ne-time-c0de";
    log.child({ name: "http" }).info(
      {
        req: { method: "GET", url, headers: { cookie: "fixbot_runs_session=s3ssion", authorization: "Bearer runs-t0ken", host: "bot" } },
        res: { statusCode: 302, headers: { "set-cookie": "fixbot_runs_session=n3w" } },
      },
      `GET ${url} 302 - 10ms`,
    );
    const out = text();
    for (const secret of ["s3ssion", "runs-t0ken", "n3w", "0ne-time-c0de", "st4te-value"]) expect(out).not.toContain(secret);
    const line = JSON.parse(out) as { msg: string; req: { url: string; headers: Record<string, string> } };
    expect(line.msg).toBe("GET /runs/auth/callback?state=[redacted]&code=[redacted] 302 - 10ms");
    expect(line.req.url).toBe("/runs/auth/callback?state=[redacted]&code=[redacted]");
    expect(line.req.headers).toEqual({ cookie: "[redacted]", authorization: "[redacted]", host: "bot" });
  });

  it("leaves ordinary lines and URLs alone", () => {
    const { log, text } = capture();
    log.info({ req: { url: "/runs?status=failed&repo=acme/calc" } }, "GET /runs?status=failed 200");
    const line = JSON.parse(text()) as { msg: string; req: { url: string } };
    expect(line).toMatchObject({ msg: "GET /runs?status=failed 200", req: { url: "/runs?status=failed&repo=acme/calc" } });
  });
});
