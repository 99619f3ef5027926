import { describe, expect, it } from "vitest";
import { forwardedHeaders, httpTarget, splitHostPort } from "../../src/sandbox/egress-proxy.js";

describe("splitHostPort", () => {
  it("reads a CONNECT target's host and port, IPv6 in brackets, with the default port when none is given", () => {
    expect(splitHostPort("registry.npmjs.org:443", 443)).toEqual({ host: "registry.npmjs.org", port: 443 });
    expect(splitHostPort("example.com", 443)).toEqual({ host: "example.com", port: 443 });
    expect(splitHostPort("[::1]:8443", 443)).toEqual({ host: "[::1]", port: 8443 });
  });
});

describe("httpTarget", () => {
  it("forwards an absolute http:// URL, port 80 unless it names one", () => {
    const t = httpTarget("http://example.com/a?b=1");
    expect(t.ok && { host: t.url.host, port: t.port, path: t.url.pathname + t.url.search }).toEqual({
      host: "example.com",
      port: 80,
      path: "/a?b=1",
    });
    const withPort = httpTarget("http://example.com:8080/");
    expect(withPort.ok && withPort.port).toBe(8080);
  });

  it("refuses a relative URL and an https:// URL (that goes through CONNECT), saying why", () => {
    expect(httpTarget("/just/a/path")).toEqual({ ok: false, message: "fixbot sandbox: send absolute URLs through the proxy\n" });
    expect(httpTarget(undefined)).toEqual({ ok: false, message: "fixbot sandbox: send absolute URLs through the proxy\n" });
    expect(httpTarget("https://example.com/")).toEqual({ ok: false, message: "fixbot sandbox: use CONNECT for https\n" });
  });
});

describe("forwardedHeaders", () => {
  it("sets the target's Host and drops the headers meant for the proxy", () => {
    const headers = forwardedHeaders(
      { host: "127.0.0.1:3128", accept: "*/*", "proxy-connection": "keep-alive", "proxy-authorization": "Basic eDp5" },
      "example.com:8080",
    );
    expect(headers).toEqual({ host: "example.com:8080", accept: "*/*" });
  });
});
