import { createHash, timingSafeEqual as nodeTimingSafeEqual } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  allowlistAdmits,
  formatAllowlistEntry,
  parseAllowlistEntry,
  parseIp,
  type AllowlistEntry,
} from "../../src/auth/ip";
import {
  digestsEqual,
  displayPrefix,
  generateSecret,
  hashSecret,
  isWellFormedSecret,
  SECRET_KINDS,
  SECRET_LENGTH,
  timingSafeEqualText,
  type SecretKind,
} from "../../src/auth/secrets";

// ───────────────────────────────────────────── secrets ─────────────────────────────────────────────

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KINDS = Object.keys(SECRET_KINDS) as SecretKind[];
const PREFIXES: Record<SecretKind, string> = { userApiKey: "zak", developerSecret: "zdk", bearerKey: "zbk", pairingInstanceToken: "zit", pairingClientToken: "zct" };
const HEAD_LENGTH = 4 + 30; // "zak_" + 30 random characters; the last 6 are the checksum

/** Independent reference for the documented format: 6 big-endian base62 digits of zlib's CRC-32. */
function referenceChecksum(head: string): string {
  let n = zlibCrc32(head);
  let out = "";
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

const kindArb = fc.constantFrom(...KINDS);
const base62Char = fc.constantFrom(...BASE62.split(""));
const bodyArb = fc.string({ unit: base62Char, minLength: 30, maxLength: 30 });
/** A secret built independently of generateSecret, with a correct checksum. */
const referenceSecretArb = fc.tuple(kindArb, bodyArb).map(([kind, body]) => {
  const head = `${PREFIXES[kind]}_${body}`;
  return { kind, secret: head + referenceChecksum(head) };
});
/** A secret from generateSecret (fast-check's seed does not drive it, but the kind does). */
const generatedSecretArb = kindArb.map((kind) => ({ kind, secret: generateSecret(kind) }));

/** Replaces the character at `position` with a different base62 character chosen by `k` (1..61). */
function substitute(secret: string, position: number, k: number): string {
  const original = BASE62.indexOf(secret[position]!); // -1 for "_": every base62 char differs
  const replacement = BASE62[(original + 62 + k) % 62]!;
  expect(replacement).not.toBe(secret[position]);
  return secret.slice(0, position) + replacement + secret.slice(position + 1);
}

const wellFormedForAnyKind = (text: unknown) => KINDS.some((kind) => isWellFormedSecret(text, kind));

describe("generateSecret", () => {
  it.each(KINDS)("%s: has the documented shape and checksum", (kind) => {
    for (let i = 0; i < 200; i++) {
      const secret = generateSecret(kind);
      expect(SECRET_LENGTH).toBe(40);
      expect(secret).toHaveLength(SECRET_LENGTH);
      expect(secret).toMatch(new RegExp(`^${PREFIXES[kind]}_[0-9A-Za-z]{36}$`));
      expect(secret.slice(HEAD_LENGTH)).toBe(referenceChecksum(secret.slice(0, HEAD_LENGTH)));
    }
  });

  it.each(KINDS)("%s: is well formed for its own kind only", (kind) => {
    for (let i = 0; i < 200; i++) {
      const secret = generateSecret(kind);
      expect(isWellFormedSecret(secret, kind)).toBe(true);
      for (const other of KINDS.filter((k) => k !== kind)) expect(isWellFormedSecret(secret, other)).toBe(false);
    }
  });

  it("uses the documented prefixes, one per kind", () => {
    expect(SECRET_KINDS).toEqual(PREFIXES);
    expect(new Set(Object.values(SECRET_KINDS)).size).toBe(KINDS.length);
  });

  it("10,000 secrets are distinct and their random characters are roughly uniform", () => {
    const secrets = Array.from({ length: 10_000 }, (_, i) => generateSecret(KINDS[i % 3]!));
    expect(new Set(secrets).size).toBe(secrets.length);
    // Distinct random parts too (the prefix alone must not be what keeps them apart).
    expect(new Set(secrets.map((s) => s.slice(4, HEAD_LENGTH))).size).toBe(secrets.length);

    const counts = new Array<number>(62).fill(0);
    for (const secret of secrets) {
      for (const ch of secret.slice(4, HEAD_LENGTH)) counts[BASE62.indexOf(ch)]!++;
    }
    expect(counts.every((c) => c > 0)).toBe(true);
    const statistic = chiSquare(counts);
    // 61 degrees of freedom: mean 61, sd ≈ 11; P(χ² > 200) < 1e-15, so this never flakes. A
    // modulo-biased generator (byte % 62 with no redraw) scores in the thousands (checked below).
    expect(statistic).toBeLessThan(200);

    // Each position separately (10,000 draws each): catches a position stuck on a subset.
    for (let position = 4; position < HEAD_LENGTH; position++) {
      const perPosition = new Array<number>(62).fill(0);
      for (const secret of secrets) perPosition[BASE62.indexOf(secret[position]!)]!++;
      expect(chiSquare(perPosition)).toBeLessThan(200);
    }
  });

  it("the uniformity bound rejects a modulo-biased base62 generator", () => {
    // Sanity check of the bound itself: 300,000 draws of byte % 62 without rejection sampling.
    const counts = new Array<number>(62).fill(0);
    const bytes = new Uint8Array(300_000);
    for (let offset = 0; offset < bytes.length; offset += 65_536) {
      crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65_536, bytes.length)));
    }
    for (const byte of bytes) counts[byte % 62]!++;
    expect(chiSquare(counts)).toBeGreaterThan(200);
  });
});

function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

describe("isWellFormedSecret", () => {
  it("accepts a secret built independently with the documented format, for its kind only", () => {
    fc.assert(
      fc.property(referenceSecretArb, ({ kind, secret }) => {
        expect(isWellFormedSecret(secret, kind)).toBe(true);
        for (const other of KINDS.filter((k) => k !== kind)) expect(isWellFormedSecret(secret, other)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("property: any single-character substitution is refused (CRC-32 catches them all)", () => {
    fc.assert(
      fc.property(
        fc.oneof(referenceSecretArb, generatedSecretArb),
        fc.integer({ min: 0, max: SECRET_LENGTH - 1 }),
        fc.integer({ min: 1, max: 61 }),
        ({ secret }, position, k) => {
          const mutated = substitute(secret, position, k);
          expect(mutated).toHaveLength(SECRET_LENGTH);
          expect(wellFormedForAnyKind(mutated)).toBe(false);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("exhaustively: every position × every other base62 character, one secret of each kind", () => {
    for (const kind of KINDS) {
      const secret = generateSecret(kind);
      let checked = 0;
      for (let position = 0; position < SECRET_LENGTH; position++) {
        for (let k = 1; k <= 61; k++) {
          const mutated = substitute(secret, position, k);
          if (wellFormedForAnyKind(mutated)) throw new Error(`substitution at ${position} accepted: ${mutated}`);
          checked++;
        }
      }
      expect(checked).toBe(SECRET_LENGTH * 61);
    }
  });

  it("property: substituting any character at all (not only base62) is refused", () => {
    fc.assert(
      fc.property(
        referenceSecretArb,
        fc.integer({ min: 0, max: SECRET_LENGTH - 1 }),
        fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
        ({ secret }, position, ch) => {
          fc.pre(ch !== secret[position]);
          expect(wellFormedForAnyKind(secret.slice(0, position) + ch + secret.slice(position + 1))).toBe(false);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("property: swapping two adjacent different characters of the random part is refused", () => {
    fc.assert(
      fc.property(referenceSecretArb, fc.integer({ min: 4, max: HEAD_LENGTH - 2 }), ({ secret }, i) => {
        fc.pre(secret[i] !== secret[i + 1]);
        const swapped = secret.slice(0, i) + secret[i + 1] + secret[i] + secret.slice(i + 2);
        expect(wellFormedForAnyKind(swapped)).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it("refuses truncated, extended, padded and re-cased secrets", () => {
    for (const kind of KINDS) {
      const secret = generateSecret(kind);
      const variants = [
        "",
        secret.slice(0, -1),
        secret.slice(1),
        secret.slice(0, HEAD_LENGTH),
        `${secret}a`,
        `${secret}0`,
        `a${secret}`,
        `${secret}\n`,
        ` ${secret}`,
        `${secret} `,
        secret + secret,
        secret.toUpperCase(),
        secret.replace("_", "-"),
        secret.replace("_", ""),
        `${PREFIXES[kind]}_`,
        PREFIXES[kind],
      ];
      for (const variant of variants) {
        expect(variant).not.toBe(secret);
        expect(isWellFormedSecret(variant, kind)).toBe(false);
      }
      expect(isWellFormedSecret(secret, kind)).toBe(true); // the control
    }
  });

  it("property: every truncation and every extension of a valid secret is refused", () => {
    fc.assert(
      fc.property(
        referenceSecretArb,
        fc.integer({ min: 0, max: SECRET_LENGTH - 1 }),
        fc.string({ minLength: 1, maxLength: 10 }),
        ({ kind, secret }, cut, extra) => {
          expect(isWellFormedSecret(secret.slice(0, cut), kind)).toBe(false);
          expect(isWellFormedSecret(secret + extra, kind)).toBe(false);
          expect(isWellFormedSecret(extra + secret, kind)).toBe(false);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("returns false (never throws) for non-string input", () => {
    const secret = generateSecret("userApiKey");
    const inputs: unknown[] = [
      undefined,
      null,
      0,
      40,
      Number.NaN,
      123n,
      true,
      {},
      [],
      [secret],
      { toString: () => secret },
      new String(secret),
      Symbol("zak"),
      () => secret,
      new TextEncoder().encode(secret),
    ];
    for (const input of inputs) {
      for (const kind of KINDS) {
        expect(() => isWellFormedSecret(input, kind)).not.toThrow();
        expect(isWellFormedSecret(input, kind)).toBe(false);
      }
    }
  });

  it("property: arbitrary values are never accepted and never throw", () => {
    fc.assert(
      fc.property(fc.anything(), kindArb, (value, kind) => {
        expect(isWellFormedSecret(value, kind)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: base62Char, minLength: 36, maxLength: 36 }), kindArb, (tail, kind) => {
        // Right shape, random checksum: accepted only if the checksum happens to match.
        const text = `${PREFIXES[kind]}_${tail}`;
        const matches = referenceChecksum(text.slice(0, HEAD_LENGTH)) === text.slice(HEAD_LENGTH);
        expect(isWellFormedSecret(text, kind)).toBe(matches);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("hashSecret", () => {
  const nodeSha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

  it("matches known SHA-256 vectors", async () => {
    expect(await hashSecret("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(await hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("property: equals node:crypto createHash('sha256') hex, for secrets and arbitrary text", async () => {
    for (const kind of KINDS) {
      const secret = generateSecret(kind);
      expect(await hashSecret(secret)).toBe(nodeSha256(secret));
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 200 }), async (text) => {
        const digest = await hashSecret(text);
        expect(digest).toMatch(/^[0-9a-f]{64}$/);
        expect(digest).toBe(nodeSha256(text));
      }),
      { numRuns: 300 },
    );
  });

  it("different secrets hash differently", async () => {
    const a = generateSecret("bearerKey");
    const b = substitute(a, 10, 1);
    expect(await hashSecret(a)).not.toBe(await hashSecret(b));
  });
});

describe("digestsEqual", () => {
  const hexArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString("hex"));

  it("is true for equal digests", async () => {
    const secret = generateSecret("userApiKey");
    expect(digestsEqual(await hashSecret(secret), await hashSecret(secret))).toBe(true);
    fc.assert(
      fc.property(hexArb, (hex) => {
        expect(digestsEqual(hex, hex.split("").join(""))).toBe(true);
      }),
    );
  });

  it("property: is false when any single hex digit differs", () => {
    fc.assert(
      fc.property(hexArb, fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 15 }), (hex, position, k) => {
        const digit = (Number.parseInt(hex[position]!, 16) + k) % 16;
        const other = hex.slice(0, position) + digit.toString(16) + hex.slice(position + 1);
        expect(other).not.toBe(hex);
        expect(digestsEqual(hex, other)).toBe(false);
        expect(digestsEqual(other, hex)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it("is false for digests of different secrets", async () => {
    expect(digestsEqual(await hashSecret(generateSecret("userApiKey")), await hashSecret(generateSecret("userApiKey")))).toBe(false);
  });

  it("is false (never throws) for malformed or wrong-length stored values, even when both sides are equal", async () => {
    const good = await hashSecret("x");
    const malformed: unknown[] = [
      "",
      "abc",
      good.slice(0, 63),
      `${good}0`,
      `${good}\n`,
      ` ${good}`,
      `${good.slice(0, 62)}zz`,
      "g".repeat(64),
      `0x${good.slice(2)}`,
      good.slice(0, 32),
      good + good,
      null,
      undefined,
      0,
      {},
      [],
      { toString: () => good },
      Buffer.from(good, "hex"),
    ];
    for (const stored of malformed) {
      expect(() => digestsEqual(good, stored as string)).not.toThrow();
      expect(digestsEqual(good, stored as string)).toBe(false);
      expect(() => digestsEqual(stored as string, good)).not.toThrow();
      expect(digestsEqual(stored as string, good)).toBe(false);
      // A malformed stored value never matches itself either.
      expect(() => digestsEqual(stored as string, stored as string)).not.toThrow();
      expect(digestsEqual(stored as string, stored as string)).toBe(false);
    }
    expect(digestsEqual(good, good)).toBe(true); // the control
  });
});

describe("timingSafeEqualText", () => {
  it("is true for equal strings, including empty and non-ASCII ones", async () => {
    for (const text of ["", "a", "zak_abc", "ünïcödé 🎉", "\0", generateSecret("developerSecret")]) {
      expect(await timingSafeEqualText(text, text)).toBe(true);
      expect(await timingSafeEqualText(text, `${text}`.slice(0))).toBe(true);
    }
  });

  it("is false (never throws) for strings of different lengths", async () => {
    const pairs: Array<[string, string]> = [
      ["", "a"],
      ["a", ""],
      ["abc", "abcd"],
      ["a", "a\0"],
      ["x".repeat(1_000), "x".repeat(999)],
      [generateSecret("bearerKey"), ""],
    ];
    for (const [a, b] of pairs) {
      await expect(timingSafeEqualText(a, b)).resolves.toBe(false);
    }
  });

  it("property: agrees with === for arbitrary strings", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), async (a, b) => {
        expect(await timingSafeEqualText(a, b)).toBe(a === b);
        expect(await timingSafeEqualText(a, a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  describe("with crypto.subtle.timingSafeEqual present (as in workerd)", () => {
    afterEach(() => {
      delete (crypto.subtle as unknown as Record<string, unknown>).timingSafeEqual;
    });

    it("uses it, only on equal-length inputs, and returns its answer", async () => {
      // Node's timingSafeEqual, like workerd's, throws on unequal lengths.
      const spy = vi.fn((a: Uint8Array, b: Uint8Array) => nodeTimingSafeEqual(a, b));
      Object.defineProperty(crypto.subtle, "timingSafeEqual", { value: spy, configurable: true, writable: true });
      expect(await timingSafeEqualText("same", "same")).toBe(true);
      expect(await timingSafeEqualText("short", "much longer text")).toBe(false);
      expect(digestsEqual("a".repeat(64), "a".repeat(64))).toBe(true);
      expect(digestsEqual("a".repeat(64), "b".repeat(64))).toBe(false);
      expect(spy).toHaveBeenCalledTimes(4);
      for (const [a, b] of spy.mock.calls) expect(a.byteLength).toBe(b.byteLength);
    });
  });
});

describe("displayPrefix", () => {
  const visiblePart = (display: string) => {
    expect(display.endsWith("…")).toBe(true);
    return display.slice(0, -1);
  };

  it("shows the kind prefix and 4 random characters of a secret, then an ellipsis", () => {
    for (const kind of KINDS) {
      const secret = generateSecret(kind);
      const display = displayPrefix(secret);
      expect(display).toBe(`${secret.slice(0, 8)}…`);
      expect(display.startsWith(`${PREFIXES[kind]}_`)).toBe(true);
    }
  });

  it("property: never reveals more than 8 characters of the secret", () => {
    fc.assert(
      fc.property(fc.oneof(referenceSecretArb.map((s) => s.secret), fc.string({ maxLength: 60 })), (secret) => {
        const visible = visiblePart(displayPrefix(secret));
        expect(visible.length).toBeLessThanOrEqual(8);
        expect(secret.startsWith(visible)).toBe(true);
        if (secret.length > 8) expect(displayPrefix(secret)).not.toContain(secret.slice(0, 9));
      }),
      { numRuns: 1_000 },
    );
  });

  it("does not let the checksum or the rest of the secret through", () => {
    const secret = generateSecret("userApiKey");
    const display = displayPrefix(secret);
    expect(display).not.toContain(secret.slice(8));
    expect(display).not.toContain(secret.slice(HEAD_LENGTH));
    expect(display.length).toBe(9);
  });
});

// ──────────────────────────────────────────────── ip ────────────────────────────────────────────────

const v4 = (a: number, b: number, c: number, d: number) => BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);
const groupsToBigint = (groups: readonly number[]) => groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
const bigintToGroups = (value: bigint) => Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
const formatV4 = (value: bigint) => [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
const expandedV6 = (groups: readonly number[]) => groups.map((g) => g.toString(16).padStart(4, "0")).join(":");
const maskOf = (bits: number, prefix: number) => (prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix));
const isMapped = (value: bigint) => value >> 32n === 0xffffn;

/**
 * Reference RFC 5952 formatter written differently from the one under test: brute force over
 * every (length, start), longest first, earliest first; runs of length 1 are never compressed.
 */
function referenceRfc5952(groups: readonly number[]): string {
  const hex = groups.map((g) => g.toString(16));
  for (let length = 8; length >= 2; length--) {
    for (let start = 0; start + length <= 8; start++) {
      if (groups.slice(start, start + length).every((g) => g === 0)) {
        return `${hex.slice(0, start).join(":")}::${hex.slice(start + length).join(":")}`;
      }
    }
  }
  return hex.join(":");
}

/** Groups biased towards 0 (and 0xffff, to reach the IPv4-mapped range) so zero runs are common. */
const groupArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(0xffff) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xf }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);
const groupsArb = fc.array(groupArb, { minLength: 8, maxLength: 8 });
const mappedGroupsArb = fc
  .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
  .map(([hi, lo]) => [0, 0, 0, 0, 0, 0xffff, hi, lo]);
const anyGroupsArb = fc.oneof({ weight: 5, arbitrary: groupsArb }, { weight: 1, arbitrary: mappedGroupsArb });
const v4ValueArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }).map(BigInt),
  fc.constantFrom(0n, 0xffffffffn, 0x7f000001n, 0x0a000000n),
);

const randomCase = (text: string, flips: boolean[]) =>
  [...text].map((ch, i) => (flips[i % Math.max(flips.length, 1)] ? ch.toUpperCase() : ch.toLowerCase())).join("");

function entry(text: string): AllowlistEntry {
  const parsed = parseAllowlistEntry(text);
  if (!parsed) throw new Error(`expected ${JSON.stringify(text)} to parse`);
  return parsed;
}

describe("parseIp", () => {
  it.each([
    ["0.0.0.0", 0n],
    ["1.2.3.4", 0x01020304n],
    ["10.0.0.1", 0x0a000001n],
    ["127.0.0.1", 0x7f000001n],
    ["192.0.2.255", 0xc00002ffn],
    ["255.255.255.255", 0xffffffffn],
    [" 203.0.113.7 ", v4(203, 0, 113, 7)],
  ])("IPv4 %j", (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value });
  });

  const v6Cases: Array<[string, bigint]> = [
    ["::", 0n],
    ["::1", 1n],
    ["[::1]", 1n],
    ["[2001:db8::1]", 0x20010db8000000000000000000000001n],
    ["2001:db8::1", 0x20010db8000000000000000000000001n],
    ["2001:DB8::1", 0x20010db8000000000000000000000001n],
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", 0x20010db8000000000000000000000001n],
    ["2001:0db8:0:0:0:0:0:1", 0x20010db8000000000000000000000001n],
    ["2001:Db8:0::0:1", 0x20010db8000000000000000000000001n],
    ["1::", 0x00010000000000000000000000000000n],
    ["1:2:3:4:5:6:7::", 0x00010002000300040005000600070000n],
    ["::2:3:4:5:6:7:8", 0x00000002000300040005000600070008n],
    ["1:2:3:4:5:6:7:8", 0x00010002000300040005000600070008n],
    ["fe80::abcd:EF01", 0xfe8000000000000000000000abcdef01n],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", (1n << 128n) - 1n],
    ["64:ff9b::1.2.3.4", 0x0064ff9b000000000000000001020304n],
    ["64:ff9b::102:304", 0x0064ff9b000000000000000001020304n],
    ["::1.2.3.4", 0x01020304n], // deprecated IPv4-compatible form: not mapped, stays IPv6
    ["1:2:3:4:5:6:1.2.3.4", 0x00010002000300040005000601020304n],
    ["ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", (1n << 128n) - 1n],
  ];
  it.each(v6Cases)("IPv6 %j", (text, value) => {
    expect(parseIp(text)).toEqual({ family: 6, value });
  });

  it.each([
    ["::ffff:1.2.3.4", 0x01020304n],
    ["::FFFF:1.2.3.4", 0x01020304n],
    ["::ffff:102:304", 0x01020304n],
    ["0:0:0:0:0:ffff:0102:0304", 0x01020304n],
    ["0000:0000:0000:0000:0000:FFFF:C000:0201", v4(192, 0, 2, 1)],
    ["[::ffff:192.0.2.1]", v4(192, 0, 2, 1)],
    ["::ffff:0.0.0.0", 0n],
    ["::ffff:255.255.255.255", 0xffffffffn],
  ])("IPv4-mapped %j is the IPv4 address it carries", (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value });
  });

  it("only ::ffff:0:0/96 is unmapped: neighbouring prefixes stay IPv6", () => {
    expect(parseIp("::fffe:1.2.3.4")).toEqual({ family: 6, value: 0xfffe01020304n });
    expect(parseIp("1::ffff:1.2.3.4")).toEqual({ family: 6, value: (1n << 112n) | 0xffff01020304n });
    expect(parseIp("::1:ffff:1.2.3.4")).toEqual({ family: 6, value: (1n << 48n) | 0xffff01020304n });
  });

  it.each([
    "",
    " ",
    "\t\n",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.",
    ".1.2.3",
    "1..2.3",
    "256.1.1.1",
    "1.2.3.256",
    "1.2.3.1000",
    "01.2.3.4",
    "1.02.3.4",
    "1.2.3.00",
    "0x1.2.3.4",
    "-1.2.3.4",
    "+1.2.3.4",
    "1.2.3.4 5",
    "1 .2.3.4",
    "1e2.1.1.1",
    "１.2.3.4",
    "1.2.3.4/24",
    "1.2.3.4/32",
    "[1.2.3.4",
    "localhost",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7::8",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    ":::",
    "::::",
    "1:::2",
    "1::2::3",
    "::1::",
    ":1::2",
    "1::2:",
    ":1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:",
    "g::1",
    "12345::1",
    "1:2:3:4:5:6:7:g",
    "::1/128",
    "2001:db8::/32",
    "fe80::1%eth0",
    "[::1",
    "::1]",
    "[[::1]]",
    "[::1]:443",
    "::ffff:1.2.3",
    "::ffff:1.2.3.256",
    "::ffff:01.2.3.4",
    "::1.2.3.4:5",
    "1.2.3.4::",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1:2:3:4:5:6::1.2.3.4",
    ":1.2.3.4",
    "1.2::3",
    "1.2.3.4:1",
  ])("rejects %j", (text) => {
    expect(parseIp(text)).toBeNull();
  });

  it("rejects very long strings", () => {
    const long = [
      "1".repeat(10_000),
      "1.".repeat(50_000) + "1",
      "0:".repeat(10_000) + "1",
      "::" + "1".repeat(100_000),
      "1.2.3.4" + " ".repeat(10) + "x".repeat(100_000),
      "[" + ":".repeat(100_000) + "]",
      "0000:0000:0000:0000:0000:0000:0000:0000:0000",
      "0000:0000:0000:0000:0000:ffff:255.255.255.255.1",
    ];
    // Not timed: what keeps this cheap is the shape of the parser (IPv6 over 45 characters is
    // refused before any pattern runs, IPv4 splits before it matches, every pattern is anchored
    // and bounded); a backtracking pattern would show here as a hang.
    for (const text of long) expect(parseIp(text)).toBeNull();
  });

  it("property: never throws, and any answer is a well-formed family/value pair", () => {
    const ipish = fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF:.[]/ %g".split("")), maxLength: 50 });
    fc.assert(
      fc.property(fc.oneof(fc.string(), ipish), (text) => {
        const ip = parseIp(text);
        if (ip === null) return;
        expect([4, 6]).toContain(ip.family);
        expect(ip.value >= 0n).toBe(true);
        expect(ip.value < 1n << (ip.family === 4 ? 32n : 128n)).toBe(true);
        if (ip.family === 6) expect(isMapped(ip.value)).toBe(false);
      }),
      { numRuns: 3_000 },
    );
  });

  it("property: IPv4 dotted quads parse to their value; a leading zero on any octet is refused", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (octets, i) => {
        const text = octets.join(".");
        const value = v4(octets[0]!, octets[1]!, octets[2]!, octets[3]!);
        expect(parseIp(text)).toEqual({ family: 4, value });
        expect(parseIp(`::ffff:${text}`)).toEqual({ family: 4, value });
        const padded = octets.map((o, j) => (j === i ? `0${o}` : String(o))).join(".");
        expect(parseIp(padded)).toBeNull();
      }),
      { numRuns: 1_000 },
    );
  });

  it("property: the expanded and the RFC 5952 compressed text of an IPv6 address parse to the same value", () => {
    fc.assert(
      fc.property(anyGroupsArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 39 }), (groups, flips) => {
        const value = groupsToBigint(groups);
        const expected = isMapped(value) ? { family: 4, value: value & 0xffffffffn } : { family: 6, value };
        const expanded = expandedV6(groups);
        const compressed = referenceRfc5952(groups);
        expect(parseIp(expanded)).toEqual(expected);
        expect(parseIp(compressed)).toEqual(expected);
        expect(parseIp(randomCase(expanded, flips))).toEqual(expected);
        expect(parseIp(randomCase(compressed, flips))).toEqual(expected);
        expect(parseIp(`[${compressed}]`)).toEqual(expected);
        // The library's own canonical form agrees too.
        const canonical = formatAllowlistEntry({ family: 6, network: value, prefix: 128 });
        expect(parseIp(canonical)).toEqual(expected);
        // Dotted tail form for the last 32 bits.
        const dotted = `${expandedV6(groups.slice(0, 6))}:${formatV4(value & 0xffffffffn)}`;
        expect(parseIp(dotted)).toEqual(expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it("property: every way of placing :: over a zero run parses to the same value", () => {
    fc.assert(
      fc.property(groupsArb, (groups) => {
        const value = groupsToBigint(groups);
        const expected = isMapped(value) ? { family: 4, value: value & 0xffffffffn } : { family: 6, value };
        expect(parseIp(expandedV6(groups))).toEqual(expected);
        const hex = groups.map((g) => g.toString(16));
        let variants = 0;
        for (let start = 0; start < 8; start++) {
          for (let end = start + 1; end <= 8; end++) {
            if (!groups.slice(start, end).every((g) => g === 0)) break;
            const text = `${hex.slice(0, start).join(":")}::${hex.slice(end).join(":")}`;
            expect(parseIp(text)).toEqual(expected);
            variants++;
          }
        }
        expect(variants).toBe(groups.includes(0) ? Math.max(variants, 1) : 0);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("parseAllowlistEntry / formatAllowlistEntry", () => {
  it.each([
    ["203.0.113.7", { family: 4, network: v4(203, 0, 113, 7), prefix: 32 }, "203.0.113.7"],
    ["203.0.113.7/32", { family: 4, network: v4(203, 0, 113, 7), prefix: 32 }, "203.0.113.7"],
    ["10.1.2.3/8", { family: 4, network: v4(10, 0, 0, 0), prefix: 8 }, "10.0.0.0/8"],
    ["192.0.2.130/25", { family: 4, network: v4(192, 0, 2, 128), prefix: 25 }, "192.0.2.128/25"],
    ["0.0.0.0/0", { family: 4, network: 0n, prefix: 0 }, "0.0.0.0/0"],
    ["255.255.255.255/0", { family: 4, network: 0n, prefix: 0 }, "0.0.0.0/0"],
    [" 10.0.0.0/16 ", { family: 4, network: v4(10, 0, 0, 0), prefix: 16 }, "10.0.0.0/16"],
    ["2001:0DB8:0:0:0:0:0:1", { family: 6, network: 0x20010db8000000000000000000000001n, prefix: 128 }, "2001:db8::1"],
    ["2001:db8::1/128", { family: 6, network: 0x20010db8000000000000000000000001n, prefix: 128 }, "2001:db8::1"],
    ["2001:db8::/64", { family: 6, network: 0x20010db8n << 96n, prefix: 64 }, "2001:db8::/64"],
    ["2001:db8:0:0:1234:5678:9abc:def0/64", { family: 6, network: 0x20010db8n << 96n, prefix: 64 }, "2001:db8::/64"],
    ["2001:DB8:AAAA:BBBB::/48", { family: 6, network: 0x20010db8aaaan << 80n, prefix: 48 }, "2001:db8:aaaa::/48"],
    ["[2001:db8::]/32", { family: 6, network: 0x20010db8n << 96n, prefix: 32 }, "2001:db8::/32"],
    ["::/0", { family: 6, network: 0n, prefix: 0 }, "::/0"],
    ["ffff::/0", { family: 6, network: 0n, prefix: 0 }, "::/0"],
    ["::1", { family: 6, network: 1n, prefix: 128 }, "::1"],
    ["::", { family: 6, network: 0n, prefix: 128 }, "::"],
    ["::ffff:192.0.2.0/120", { family: 4, network: v4(192, 0, 2, 0), prefix: 24 }, "192.0.2.0/24"],
    ["::ffff:192.0.2.77/120", { family: 4, network: v4(192, 0, 2, 0), prefix: 24 }, "192.0.2.0/24"],
    ["::ffff:10.0.0.0/104", { family: 4, network: v4(10, 0, 0, 0), prefix: 8 }, "10.0.0.0/8"],
    ["::ffff:0:0/96", { family: 4, network: 0n, prefix: 0 }, "0.0.0.0/0"],
    ["::ffff:192.0.2.1", { family: 4, network: v4(192, 0, 2, 1), prefix: 32 }, "192.0.2.1"],
    ["::ffff:192.0.2.1/128", { family: 4, network: v4(192, 0, 2, 1), prefix: 32 }, "192.0.2.1"],
    ["64:ff9b::192.0.2.1/120", { family: 6, network: 0x0064ff9b0000000000000000c0000200n, prefix: 120 }, "64:ff9b::c000:200/120"],
  ] as Array<[string, AllowlistEntry, string]>)("%j → %o → %j", (text, expected, canonical) => {
    const parsed = parseAllowlistEntry(text);
    expect(parsed).toEqual(expected);
    expect(formatAllowlistEntry(parsed!)).toBe(canonical);
    expect(parseAllowlistEntry(canonical)).toEqual(expected);
  });

  it.each([
    "",
    " ",
    "/",
    "/8",
    "10.0.0.0/",
    "10.0.0.0/33",
    "10.0.0.0/99",
    "10.0.0.0/100",
    "10.0.0.0/1000",
    "10.0.0.0/-1",
    "10.0.0.0/+8",
    "10.0.0.0/08",
    "10.0.0.0/00",
    "10.0.0.0/8.0",
    "10.0.0.0/0x8",
    "10.0.0.0/ 8",
    "10.0.0.0/8/8",
    "10.0.0.0/255.0.0.0",
    "10.0.0/8",
    "010.0.0.0/8",
    "2001:db8::/129",
    "2001:db8::/200",
    "2001:db8::/-1",
    "2001:db8::/064",
    "2001:db8::/",
    "2001:db8:::/64",
    "2001:db8::g/64",
    "::ffff:192.0.2.0/95",
    "::ffff:192.0.2.0/64",
    "::ffff:192.0.2.0/0",
    "::ffff:0:0/80",
    "::ffff:192.0.2.0/129",
    "[::1/64]",
    "::1/64]",
    "garbage",
  ])("rejects %j", (text) => {
    expect(parseAllowlistEntry(text)).toBeNull();
  });

  it("accepts every IPv4 prefix 0..32 and every IPv6 prefix 0..128, and mapped 96..128", () => {
    for (let p = 0; p <= 32; p++) expect(parseAllowlistEntry(`10.20.30.40/${p}`)?.prefix).toBe(p);
    for (let p = 0; p <= 128; p++) expect(parseAllowlistEntry(`2001:db8::1/${p}`)?.prefix).toBe(p);
    for (let p = 0; p <= 128; p++) {
      const parsed = parseAllowlistEntry(`::ffff:10.20.30.40/${p}`);
      if (p < 96) expect(parsed).toBeNull();
      else expect(parsed).toEqual({ family: 4, network: v4(10, 20, 30, 40) & maskOf(32, p - 96), prefix: p - 96 });
    }
  });

  it("RFC 5952 output: lower case, longest zero run compressed, single zero group kept, first of equal runs", () => {
    const cases: Array<[string, string]> = [
      ["2001:DB8:0:0:0:0:0:ABCD", "2001:db8::abcd"],
      ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
      ["0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"],
      ["1:0:0:2:0:0:0:3", "1:0:0:2::3"], // the longer run, though it comes second
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
      ["1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"],
      ["0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"],
      ["1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"],
      ["1:2:3:4:5:6:0:0", "1:2:3:4:5:6::"],
      ["0:0:1:2:3:4:5:6", "::1:2:3:4:5:6"],
      ["1:0:0:0:0:0:0:0", "1::"],
      ["0:0:0:0:0:0:0:1", "::1"],
      ["0:0:0:0:0:0:0:0", "::"],
      ["00AB:0C:00D:F:0:0:0:0010", "ab:c:d:f::10"],
      ["FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
      ["::fffe:1.2.3.4", "::fffe:102:304"],
    ];
    for (const [text, canonical] of cases) {
      expect(formatAllowlistEntry(entry(text))).toBe(canonical);
      expect(formatAllowlistEntry(entry(`${text}/128`))).toBe(canonical);
    }
  });

  it("property: canonical IPv6 text follows RFC 5952 (checked against a brute-force reference)", () => {
    fc.assert(
      fc.property(groupsArb, (groups) => {
        const value = groupsToBigint(groups);
        fc.pre(!isMapped(value));
        const text = formatAllowlistEntry({ family: 6, network: value, prefix: 128 });
        expect(text).toBe(referenceRfc5952(groups));
        expect(text).toBe(text.toLowerCase());
        expect(text).not.toMatch(/(^|:)0[0-9a-f]/); // no leading zeros in a group
        expect(text.split("::").length).toBeLessThanOrEqual(2);
        // With no "::", there is no run of two or more zero groups left to compress.
        if (!text.includes("::")) expect(text).not.toMatch(/(^|:)0:0(:|$)/);
      }),
      { numRuns: 3_000 },
    );
  });

  it("property (IPv4): parse(format(e)) equals e, and the network is the address masked to the prefix", () => {
    fc.assert(
      fc.property(v4ValueArb, fc.integer({ min: 0, max: 32 }), (value, prefix) => {
        const e = entry(`${formatV4(value)}/${prefix}`);
        expect(e).toEqual({ family: 4, network: value & maskOf(32, prefix), prefix });
        const text = formatAllowlistEntry(e);
        expect(text.includes("/")).toBe(prefix !== 32);
        expect(parseAllowlistEntry(text)).toEqual(e);
        expect(formatAllowlistEntry(entry(text))).toBe(text);
        // The same network written as an IPv4-mapped range is the same entry.
        expect(parseAllowlistEntry(`::ffff:${formatV4(value)}/${prefix + 96}`)).toEqual(e);
      }),
      { numRuns: 2_000 },
    );
  });

  it("property (IPv6): parse(format(e)) equals e, for random networks and prefixes", () => {
    fc.assert(
      fc.property(anyGroupsArb, fc.integer({ min: 0, max: 128 }), fc.boolean(), (groups, prefix, expanded) => {
        const value = groupsToBigint(groups);
        const text = `${expanded ? expandedV6(groups) : referenceRfc5952(groups)}/${prefix}`;
        const parsed = parseAllowlistEntry(text);
        if (isMapped(value)) {
          if (prefix < 96) {
            expect(parsed).toBeNull();
            return;
          }
          expect(parsed).toEqual({ family: 4, network: (value & 0xffffffffn) & maskOf(32, prefix - 96), prefix: prefix - 96 });
        } else {
          expect(parsed).toEqual({ family: 6, network: value & maskOf(128, prefix), prefix });
        }
        const canonical = formatAllowlistEntry(parsed!);
        expect(parseAllowlistEntry(canonical)).toEqual(parsed);
        expect(formatAllowlistEntry(entry(canonical))).toBe(canonical);
        if (parsed!.family === 6) {
          const [address] = canonical.split("/");
          expect(address).toBe(referenceRfc5952(bigintToGroups(parsed!.network)));
        }
      }),
      { numRuns: 3_000 },
    );
  });
});

describe("allowlistAdmits", () => {
  const matrix: Array<[string, string[], string, boolean]> = [
    ["exact IPv4", ["203.0.113.7"], "203.0.113.7", true],
    ["exact IPv4, neighbour", ["203.0.113.7"], "203.0.113.8", false],
    ["exact IPv4, neighbour below", ["203.0.113.7"], "203.0.113.6", false],
    ["IPv4 /24, inside", ["192.0.2.0/24"], "192.0.2.200", true],
    ["IPv4 /24, first", ["192.0.2.0/24"], "192.0.2.0", true],
    ["IPv4 /24, last", ["192.0.2.0/24"], "192.0.2.255", true],
    ["IPv4 /24, just outside", ["192.0.2.0/24"], "192.0.3.0", false],
    ["IPv4 /24, just below", ["192.0.2.0/24"], "192.0.1.255", false],
    ["IPv4 /8 written un-normalised", ["10.1.2.3/8"], "10.255.0.1", true],
    ["IPv4 /8, outside", ["10.1.2.3/8"], "11.0.0.1", false],
    ["IPv4 /0 admits any IPv4", ["0.0.0.0/0"], "198.51.100.1", true],
    ["IPv4 /0 admits no IPv6", ["0.0.0.0/0"], "2001:db8::1", false],
    ["IPv6 /0 admits any IPv6", ["::/0"], "2001:db8::1", true],
    ["IPv6 /0 admits no IPv4", ["::/0"], "198.51.100.1", false],
    ["IPv6 /0 admits no IPv4-mapped client", ["::/0"], "::ffff:198.51.100.1", false],
    ["IPv6 /64, compressed client", ["2001:db8:1:2::/64"], "2001:db8:1:2::abcd", true],
    ["IPv6 /64, expanded client", ["2001:db8:1:2::/64"], "2001:0db8:0001:0002:0000:0000:0000:abcd", true],
    ["IPv6 /64, upper-case client", ["2001:db8:1:2::/64"], "2001:DB8:1:2:FFFF:FFFF:FFFF:FFFF", true],
    ["IPv6 /64, bracketed client", ["2001:db8:1:2::/64"], "[2001:db8:1:2::1]", true],
    ["IPv6 /64, next /64", ["2001:db8:1:2::/64"], "2001:db8:1:3::1", false],
    ["IPv6 /64, previous /64", ["2001:db8:1:2::/64"], "2001:db8:1:1:ffff:ffff:ffff:ffff", false],
    ["IPv6 exact", ["2001:db8::1"], "2001:0db8::0001", true],
    ["IPv6 exact, neighbour", ["2001:db8::1"], "2001:db8::2", false],
    ["IPv6 loopback", ["::1"], "::1", true],
    ["IPv6 loopback vs IPv4 loopback", ["::1"], "127.0.0.1", false],
    ["IPv4 loopback vs IPv6 loopback", ["127.0.0.1"], "::1", false],
    ["IPv4-mapped client vs IPv4 entry", ["192.0.2.1"], "::ffff:192.0.2.1", true],
    ["IPv4-mapped client (hex) vs IPv4 entry", ["192.0.2.1"], "::ffff:c000:201", true],
    ["IPv4-mapped client vs IPv4 CIDR", ["192.0.2.0/24"], "::ffff:192.0.2.99", true],
    ["IPv4-mapped client outside IPv4 CIDR", ["192.0.2.0/24"], "::ffff:192.0.3.1", false],
    ["IPv4 client vs mapped entry", ["::ffff:192.0.2.1"], "192.0.2.1", true],
    ["IPv4 client vs mapped CIDR", ["::ffff:192.0.2.0/120"], "192.0.2.42", true],
    ["IPv4 client outside mapped CIDR", ["::ffff:192.0.2.0/120"], "192.0.3.42", false],
    ["mapped client vs mapped entry", ["::ffff:192.0.2.0/120"], "::ffff:192.0.2.42", true],
    ["NAT64 client is not the IPv4 address", ["192.0.2.1"], "64:ff9b::192.0.2.1", false],
    ["IPv4-compatible client is not the IPv4 address", ["192.0.2.1"], "::192.0.2.1", false],
    ["IPv6 entry whose low 32 bits equal the IPv4 client", ["::c000:201"], "192.0.2.1", false],
    ["second entry matches", ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"], "192.0.2.7", true],
    ["second entry (IPv6) matches", ["10.0.0.0/8", "2001:db8::/32"], "2001:db8:ffff::1", true],
    ["no entry matches", ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"], "192.0.2.8", false],
    ["empty list", [], "192.0.2.1", false],
    ["empty list, IPv6", [], "::1", false],
  ];
  it.each(matrix)("%s", (_name, entries, client, admitted) => {
    expect(allowlistAdmits(entries.map(entry), client)).toBe(admitted);
  });

  it("never admits a missing or unparseable client, even with an admit-all list", () => {
    const everyone = [entry("0.0.0.0/0"), entry("::/0")];
    // The control: this list does admit real clients of both families.
    expect(allowlistAdmits(everyone, "192.0.2.1")).toBe(true);
    expect(allowlistAdmits(everyone, "2001:db8::1")).toBe(true);
    const garbage: unknown[] = [
      null,
      undefined,
      "",
      " ",
      "unknown",
      "0",
      "1.2.3",
      "192.0.2.1/32",
      "0.0.0.0/0",
      "::/0",
      "192.0.2.1, 198.51.100.2",
      "256.0.0.1",
      "01.2.3.4",
      ":::",
      "1::2::3",
      "[::1",
      "x".repeat(10_000),
      0,
      3221225985, // 192.0.2.1 as a number
      {},
      ["192.0.2.1"],
    ];
    for (const client of garbage) {
      expect(() => allowlistAdmits(everyone, client as string)).not.toThrow();
      expect(allowlistAdmits(everyone, client as string)).toBe(false);
    }
  });

  it("property: an IPv4 address is admitted by its own /N network for every N, and not by a neighbouring one", () => {
    fc.assert(
      fc.property(v4ValueArb, fc.integer({ min: 0, max: 32 }), fc.nat(), (value, prefix, bitSeed) => {
        const address = formatV4(value);
        const e = entry(`${address}/${prefix}`);
        expect(allowlistAdmits([e], address)).toBe(true);
        expect(allowlistAdmits([e], `::ffff:${address}`)).toBe(true);
        expect(allowlistAdmits([entry(`::ffff:${address}/${prefix + 96}`)], address)).toBe(true);
        if (prefix > 0) {
          // Flip one bit inside the prefix: now outside the network.
          const flipped = value ^ (1n << BigInt(31 - (bitSeed % prefix)));
          expect(allowlistAdmits([e], formatV4(flipped))).toBe(false);
        }
        if (prefix < 32) {
          // Flip one bit in the host part: still inside.
          const flipped = value ^ (1n << BigInt(bitSeed % (32 - prefix)));
          expect(allowlistAdmits([e], formatV4(flipped))).toBe(true);
        }
        // An IPv4 entry never admits an IPv6 client.
        expect(allowlistAdmits([e], `2001:db8::${address}`)).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: an IPv6 address is admitted by its own /N network for every N, and not by a neighbouring one", () => {
    fc.assert(
      fc.property(groupsArb, fc.integer({ min: 0, max: 128 }), fc.nat(), (groups, prefix, bitSeed) => {
        const value = groupsToBigint(groups);
        fc.pre(!isMapped(value));
        const compressed = referenceRfc5952(groups);
        const e = entry(`${compressed}/${prefix}`);
        expect(e.family).toBe(6);
        expect(allowlistAdmits([e], compressed)).toBe(true);
        expect(allowlistAdmits([e], expandedV6(groups))).toBe(true);
        expect(allowlistAdmits([e], expandedV6(groups).toUpperCase())).toBe(true);
        const text = (v: bigint) => expandedV6(bigintToGroups(v));
        if (prefix > 0) {
          const flipped = value ^ (1n << BigInt(127 - (bitSeed % prefix)));
          // (a flip that lands in the mapped range turns the client into IPv4: still not admitted)
          expect(allowlistAdmits([e], text(flipped))).toBe(false);
        }
        if (prefix < 128) {
          const flipped = value ^ (1n << BigInt(bitSeed % (128 - prefix)));
          if (!isMapped(flipped)) expect(allowlistAdmits([e], text(flipped))).toBe(true);
        }
        // An IPv6 entry never admits an IPv4 client.
        expect(allowlistAdmits([e], formatV4(value & 0xffffffffn))).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: admission agrees with a direct masked comparison, over random entries and clients", () => {
    const v4Pair = fc.tuple(v4ValueArb, fc.integer({ min: 0, max: 32 }), v4ValueArb);
    fc.assert(
      fc.property(v4Pair, fc.nat({ max: 32 }), ([network, prefix, client], sharedBits) => {
        // Make the client share `sharedBits` leading bits with the network, so both answers occur.
        const keep = maskOf(32, sharedBits);
        const clientValue = (network & keep) | (client & ~keep & 0xffffffffn);
        const e = entry(`${formatV4(network)}/${prefix}`);
        const expected = (clientValue & maskOf(32, prefix)) === (network & maskOf(32, prefix));
        expect(allowlistAdmits([e], formatV4(clientValue))).toBe(expected);
        expect(allowlistAdmits([], formatV4(clientValue))).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });
});
