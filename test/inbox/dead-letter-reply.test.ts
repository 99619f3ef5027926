import { describe, expect, it } from "vitest";
import { deadLetterReply } from "../../src/inbox/dead-letter-reply.js";

const letter = (job: unknown) => ({
  entry: { id: "d-9", kind: "fix", job, acceptedAt: 1 },
  reason: "incoming_too_long: `Incoming` message too long",
  attempts: 3,
  at: 2,
});

describe("deadLetterReply: the user who asked is told on the issue or pull request", () => {
  it("answers on the issue of a fix job, the number of a command and the PR of a review", () => {
    const repo = { owner: "acme", name: "calc" };
    expect(deadLetterReply(letter({ installationId: 1, repo, issue: { number: 7 } }))).toMatchObject({
      installationId: 1,
      owner: "acme",
      repo: "calc",
      number: 7,
    });
    expect(deadLetterReply(letter({ installationId: 1, repo, number: 8 }))?.number).toBe(8);
    expect(deadLetterReply(letter({ installationId: 1, repo, pr: { number: 9 } }))?.number).toBe(9);
  });

  it("says what happened, names the delivery, and that nothing ran", () => {
    const body = deadLetterReply(letter({ installationId: 1, repo: { owner: "acme", name: "calc" }, number: 8 }))!.body;
    expect(body).toContain("fixbot could not take this request");
    expect(body).toContain("`d-9`");
    expect(body).toContain("after 3 tries: `incoming_too_long: 'Incoming' message too long`");
    expect(body).toContain("Nothing was run.");
  });

  it("has nobody to answer for a job that names no issue (the log line is all there is)", () => {
    expect(deadLetterReply(letter({ n: 1 }))).toBeUndefined();
  });
});
