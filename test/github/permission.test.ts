import { describe, expect, it } from "vitest";
import { hasAccess } from "../../src/github/permission.js";

describe("hasAccess", () => {
  it("prefers role_name over the coarse permission", () => {
    // GitHub reports triage as permission "read" and maintain as "write".
    expect(hasAccess({ roleName: "triage", permission: "read" }, "triage")).toBe(true);
    expect(hasAccess({ roleName: "read", permission: "write" }, "write")).toBe(false);
    expect(hasAccess({ roleName: "maintain", permission: "write" }, "write")).toBe(true);
  });

  it("triage is enough for a triage need but not for write", () => {
    expect(hasAccess({ roleName: "triage" }, "triage")).toBe(true);
    expect(hasAccess({ roleName: "triage" }, "write")).toBe(false);
  });

  it("write, maintain and admin satisfy both needs", () => {
    for (const roleName of ["write", "maintain", "admin"]) {
      expect(hasAccess({ roleName }, "triage")).toBe(true);
      expect(hasAccess({ roleName }, "write")).toBe(true);
    }
  });

  it("falls back to permission when role_name is missing, null or unknown (custom role)", () => {
    expect(hasAccess({ permission: "admin" }, "write")).toBe(true);
    expect(hasAccess({ roleName: null, permission: "write" }, "write")).toBe(true);
    expect(hasAccess({ roleName: "custom-security-role", permission: "write" }, "write")).toBe(true);
    expect(hasAccess({ roleName: "custom-security-role", permission: "read" }, "triage")).toBe(false);
  });

  it("refuses read, none, unknown and missing permissions", () => {
    expect(hasAccess({ roleName: "read" }, "triage")).toBe(false);
    expect(hasAccess({ permission: "read" }, "triage")).toBe(false);
    expect(hasAccess({ permission: "none" }, "triage")).toBe(false);
    expect(hasAccess({ permission: "superuser" }, "triage")).toBe(false);
    expect(hasAccess({}, "triage")).toBe(false);
    expect(hasAccess({ roleName: null, permission: null }, "triage")).toBe(false);
  });
});
