import { pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generatePassword, hashPassword, needsRehash, PASSWORD_ITERATIONS, verifyPassword } from "../../src/auth/passwords";

const fromB64url = (text: string) => Buffer.from(text, "base64url");

describe("console passwords (PBKDF2-SHA256)", () => {
  it("stores a self-describing string at 100,000 iterations with a 16-byte salt", async () => {
    const stored = await hashPassword("correct horse battery");
    const [scheme, iterations, salt, hash] = stored.split("$");
    expect(scheme).toBe("pbkdf2-sha256");
    expect(Number(iterations)).toBe(PASSWORD_ITERATIONS);
    expect(PASSWORD_ITERATIONS).toBe(100_000);
    expect(fromB64url(salt!)).toHaveLength(16);
    // The same derivation Node's own PBKDF2 computes: nothing home-made in between.
    expect(fromB64url(hash!).equals(pbkdf2Sync("correct horse battery", fromB64url(salt!), 100_000, 32, "sha256"))).toBe(true);
  });

  it("accepts the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("salts every hash: the same password twice gives two strings", async () => {
    expect(await hashPassword("same password")).not.toBe(await hashPassword("same password"));
  });

  it("refuses, without throwing, a tampered or malformed stored hash", async () => {
    const stored = await hashPassword("correct horse battery");
    const [scheme, iterations, salt, hash] = stored.split("$") as [string, string, string, string];
    const flipped = Buffer.from(fromB64url(hash));
    flipped[0] = flipped[0]! ^ 1;
    const tampered = [
      [scheme, iterations, salt, flipped.toString("base64url")].join("$"),
      [scheme, "99999", salt, hash].join("$"), // another count: another hash
      [scheme, "100001", salt, hash].join("$"), // above what Workers allow
      ["pbkdf2-sha1", iterations, salt, hash].join("$"),
      [scheme, iterations, salt, hash.slice(0, 20)].join("$"),
      [scheme, iterations, "short", hash].join("$"),
      `${stored}$extra`,
      "",
      "not a hash at all",
      [scheme, "0", salt, hash].join("$"),
      [scheme, iterations, "!!!!", hash].join("$"),
    ];
    for (const text of tampered) expect(await verifyPassword("correct horse battery", text), text).toBe(false);
  });

  it("answers false for a user without a password (a dummy derivation still runs)", async () => {
    expect(await verifyPassword("anything at all", null)).toBe(false);
  });

  it("names hashes that should be re-derived at a higher count", async () => {
    expect(needsRehash(await hashPassword("correct horse battery"))).toBe(false);
    expect(needsRehash(await hashPassword("correct horse battery", 1000))).toBe(true);
    expect(needsRehash("garbage")).toBe(true);
    expect(await verifyPassword("correct horse battery", await hashPassword("correct horse battery", 1000))).toBe(true);
  });

  it("generates 20-character base62 passwords", () => {
    const password = generatePassword();
    expect(password).toMatch(/^[0-9A-Za-z]{20}$/);
    expect(generatePassword()).not.toBe(password);
  });
});
