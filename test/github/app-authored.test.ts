import { describe, expect, it } from "vitest";
import { writtenByApp } from "../../src/github/app-authored.js";

const app = { appId: 7, botLogin: "fixbot[bot]" };

describe("writtenByApp: markers count only on the App's own comments and reviews", () => {
  it("a comment the App posted names the App", () => {
    expect(writtenByApp({ user: { login: "fixbot[bot]", type: "Bot" }, performed_via_github_app: { id: 7 } }, app)).toBe(true);
  });

  it("a review carries only the bot user: its login and type count", () => {
    expect(writtenByApp({ user: { login: "FixBot[bot]", type: "Bot" } }, app)).toBe(true);
  });

  it("a stranger, a user named like the bot, another App and a deleted user do not count", () => {
    expect(writtenByApp({ user: { login: "mallory", type: "User" } }, app)).toBe(false);
    expect(writtenByApp({ user: { login: "fixbot[bot]", type: "User" } }, app)).toBe(false);
    expect(writtenByApp({ user: { login: "other[bot]", type: "Bot" } }, app)).toBe(false);
    expect(writtenByApp({ user: { login: "fixbot[bot]", type: "Bot" }, performed_via_github_app: { id: 8 } }, app)).toBe(false);
    expect(writtenByApp({ user: null }, app)).toBe(false);
  });
});
