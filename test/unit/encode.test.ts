import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codewordMap, damagePerBlock, functionModules } from "../../src/qr/codewords";
import {
  DEFAULT_APPEARANCE,
  ECC_LEVELS,
  emailPayload,
  encodeQr,
  geoPayload,
  planRender,
  QrError,
  smsPayload,
  vcardPayload,
  wifiPayload,
  type EccLevel,
} from "../../src/qr";
import { blockStructure, rawDataModules } from "../../src/qr/tables";
import { renderSvg } from "../../src/qr/svg";
import { expectSvgScans } from "../support/decode";

const render = (content: string, level: EccLevel = "M", extra: Partial<typeof DEFAULT_APPEARANCE> = {}) =>
  renderSvg(planRender({ content, size: 600, appearance: { ...DEFAULT_APPEARANCE, margin: 24, qrOptionsErrorCorrectionLevel: level, ...extra }, errorCorrectionFixed: true }));

const thrown = (fn: () => unknown): QrError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QrError);
    return err as QrError;
  }
  throw new Error("expected a QrError");
};

describe("encodeQr round trips through ZXing and jsQR", () => {
  const corpus: [string, string][] = [
    ["https URL with query", "https://example.com/pricing?plan=pro&utm_source=qr#top"],
    ["tel: URI", "tel:+15550123456"],
    ["Latin-1", "Crème brûlée à la carte, señor — ¿qué tal? ÆØÅ ß"],
    ["CJK", "二维码测试：你好，世界。日本語のテキスト、한국어 텍스트"],
    ["emoji", "Scan me 👋🏽 🎉 👨‍👩‍👧‍👦 🇫🇷"],
    ["U+0800 and neighbours", "\u0800\u07ff\u0801\uffff\u{10000}"],
    ["Wi-Fi payload", wifiPayload({ ssid: 'My;Net,work:"café"', password: 'pa\\ss;:,"word', encryption: "WPA", hidden: true })],
    [
      "vCard payload",
      vcardPayload({
        firstName: "Zoë",
        lastName: "Doe; Jr.",
        organization: "Acme, Inc.",
        jobTitle: "Head of 日本",
        phones: [{ number: "+1 (555) 012-3456", type: "cell" }],
        emails: ["jane@example.com"],
        urls: ["https://acme.example/jane"],
        address: { street: "1 Rue de la Paix", city: "Paris", postalCode: "75002", country: "France" },
        note: "Line one\nLine two, with a comma; and a semicolon — and a long tail to force folding past 75 octets 🎉",
      }),
    ],
    ["geo payload", geoPayload({ latitude: 48.8584, longitude: 2.2945, query: "Tour Eiffel" })],
    ["mailto payload", emailPayload({ address: "hello@example.com", subject: "Hi there", body: "Line 1\nLine 2 & more" })],
    ["SMSTO payload", smsPayload({ phoneNumber: "+1 555 0100", message: "See you at 8: bring snacks" })],
    ["mixed numeric and alphanumeric", "ABC-123456789012345678901234567890 hello"],
  ];
  for (const [name, text] of corpus)
    it(name, async () => {
      await expectSvgScans(render(text), 600, text);
    });

  it("forced Kanji mode", async () => {
    const text = "漢字テスト日本";
    const matrix = encodeQr(text, { errorCorrectionLevel: "M", mode: "Kanji" });
    expect(matrix.version).toBe(1);
    await expectSvgScans(render(text, "M", { qrOptionsMode: "Kanji" }), 600, text);
  });

  it("forced Numeric, Alphanumeric and Byte modes", async () => {
    await expectSvgScans(render("0123456789", "M", { qrOptionsMode: "Numeric" }), 600, "0123456789");
    await expectSvgScans(render("HELLO WORLD $%*+-./:", "M", { qrOptionsMode: "Alphanumeric" }), 600, "HELLO WORLD $%*+-./:");
    await expectSvgScans(render("héllo wörld", "M", { qrOptionsMode: "Byte" }), 600, "héllo wörld");
  });
});

describe("segment layout: ECI once, at the start, only when the text needs it", () => {
  // Codes whose data put ECI 26 after a numeric or alphanumeric segment, or mixed it with an
  // alphanumeric one, were not read by at least one widely used decoder: every sms and wifi code
  // with non-ASCII text. Non-ASCII text is now ECI 26 then one byte segment: the same symbol as
  // forcing Byte mode, whose layout is exactly that.
  const nonAscii: [string, string][] = [
    ["sms", smsPayload({ phoneNumber: "+33 6 12 34 56 78", message: "Réservation confirmée pour 20h — à ce soir 🍷" })],
    ["sms, digits then CJK", smsPayload({ phoneNumber: "5550123", message: "12345678901234567890 电话号码" })],
    ["wifi", wifiPayload({ ssid: "Café Crème", password: "ABCDEFGH12345678", encryption: "WPA" })],
    ["wifi, upper-case SSID then Cyrillic", wifiPayload({ ssid: "GUEST NETWORK 2024", password: "пароль-1234", encryption: "WPA", hidden: true })],
  ];
  for (const [name, text] of nonAscii) {
    it(`${name}: one ECI 26 and one byte segment`, () => {
      for (const level of ECC_LEVELS) {
        const auto = encodeQr(text, { errorCorrectionLevel: level, errorCorrectionFixed: true });
        const byte = encodeQr(text, { errorCorrectionLevel: level, errorCorrectionFixed: true, mode: "Byte" });
        expect([auto.version, [...auto.modules].join("")]).toEqual([byte.version, [...byte.modules].join("")]);
      }
    });
    it(`${name}: decodes byte for byte`, async () => {
      await expectSvgScans(render(text, "M"), 600, text);
    });
  }

  it("ASCII text keeps mixed segments and no ECI (shorter than one byte segment)", () => {
    const text = "WIFI:T:WPA;S:HOME;P:12345678901234567890123456789012345678901234;;";
    const auto = encodeQr(text, { errorCorrectionLevel: "M", errorCorrectionFixed: true });
    const byte = encodeQr(text, { errorCorrectionLevel: "M", errorCorrectionFixed: true, mode: "Byte" });
    expect(auto.version).toBeLessThan(byte.version);
  });
});

describe("capacity at each error correction level (ISO/IEC 18004 Table 7, version 40)", () => {
  const limits: Record<EccLevel, { numeric: number; alphanumeric: number; bytes: number }> = {
    L: { numeric: 7089, alphanumeric: 4296, bytes: 2953 },
    M: { numeric: 5596, alphanumeric: 3391, bytes: 2331 },
    Q: { numeric: 3993, alphanumeric: 2420, bytes: 1663 },
    H: { numeric: 3057, alphanumeric: 1852, bytes: 1273 },
  };
  for (const level of ECC_LEVELS) {
    const { numeric, alphanumeric, bytes } = limits[level];
    it(`fits exactly the maximum at ${level} and names the capacity one past it`, () => {
      for (const [unit, max] of [["7", numeric], ["A", alphanumeric], ["a", bytes]] as const) {
        const matrix = encodeQr(unit.repeat(max), { errorCorrectionLevel: level, errorCorrectionFixed: true });
        expect(matrix.version).toBe(40);
        expect(matrix.errorCorrectionLevel).toBe(level);
        const error = thrown(() => encodeQr(unit.repeat(max + 1), { errorCorrectionLevel: level, errorCorrectionFixed: true }));
        expect(error.code).toBe("CAPACITY_EXCEEDED");
        expect(error.message).toContain(`${blockStructure(40, level).dataCodewords * 8} data bits`);
      }
    });
  }

  it("decodes 7,089 digits at L", async () => {
    const digits = Array.from({ length: 7089 }, (_, i) => String((i * 7) % 10)).join("");
    const svg = renderSvg(planRender({ content: digits, size: 1600, appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: "L", margin: 40 }, errorCorrectionFixed: true }));
    await expectSvgScans(svg, 1600, digits);
  });

  for (const [level, content] of [["M", "A".repeat(3391)], ["Q", "b".repeat(1663)], ["H", "9".repeat(3057)]] as const)
    it(`decodes the maximum content at ${level}`, async () => {
      const svg = renderSvg(planRender({ content, size: 1600, appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: level, margin: 40 }, errorCorrectionFixed: true }));
      await expectSvgScans(svg, 1600, content);
    });
});

describe("encode options", () => {
  it("keeps a fixed level exactly and raises a free level when it fits", () => {
    expect(encodeQr("hello world", { errorCorrectionLevel: "L", errorCorrectionFixed: true }).errorCorrectionLevel).toBe("L");
    // Version 1 has room for "hello world" at Q, so an unfixed L becomes Q at no cost in size.
    const free = encodeQr("hello world", { errorCorrectionLevel: "L" });
    expect(free.version).toBe(1);
    expect(free.errorCorrectionLevel).toBe("Q");
  });

  it("uses a fixed version and refuses content too long for it", () => {
    expect(encodeQr("hi", { errorCorrectionLevel: "M", version: 7 }).size).toBe(45);
    const error = thrown(() => encodeQr("x".repeat(50), { errorCorrectionLevel: "H", version: 2 }));
    expect(error.code).toBe("VERSION_TOO_SMALL");
    expect(error.field).toBe("qrOptionsTypeNumber");
  });

  it("refuses content the forced mode cannot represent", () => {
    expect(thrown(() => encodeQr("12a", { errorCorrectionLevel: "M", mode: "Numeric" })).code).toBe("MODE_MISMATCH");
    expect(thrown(() => encodeQr("lower", { errorCorrectionLevel: "M", mode: "Alphanumeric" })).code).toBe("MODE_MISMATCH");
    expect(thrown(() => encodeQr("abc", { errorCorrectionLevel: "M", mode: "Kanji" })).code).toBe("MODE_MISMATCH");
  });

  it("refuses out-of-range versions", () => {
    for (const version of [-1, 41, 1.5, Number.NaN]) expect(thrown(() => encodeQr("x", { errorCorrectionLevel: "M", version })).field).toBe("qrOptionsTypeNumber");
  });

  it("property: any string within capacity encodes, and over-capacity is always a typed error", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 1400 }), fc.constantFrom(...ECC_LEVELS), (text, level) => {
        try {
          const matrix = encodeQr(text, { errorCorrectionLevel: level, errorCorrectionFixed: true });
          expect(matrix.size).toBe(matrix.version * 4 + 17);
          expect(matrix.errorCorrectionLevel).toBe(level);
          expect(matrix.modules.length).toBe(matrix.size * matrix.size);
        } catch (err) {
          expect(err).toBeInstanceOf(QrError);
          expect((err as QrError).code).toBe("CAPACITY_EXCEEDED");
          expect(new TextEncoder().encode(text).length).toBeGreaterThan(blockStructure(40, level).dataCodewords - 4);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("property: encoded symbols decode back to the input", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }), async (text) => {
        await expectSvgScans(render(text), 600, text);
      }),
      { numRuns: 25 },
    );
  });
});

describe("codeword map", () => {
  it("places every codeword bit exactly once in every version and level", () => {
    for (let version = 1; version <= 40; version++)
      for (const level of ECC_LEVELS) {
        const map = codewordMap(version, level);
        const structure = blockStructure(version, level);
        const bits = new Map<number, number>();
        for (const codeword of map.codewordAt) if (codeword >= 0) bits.set(codeword, (bits.get(codeword) ?? 0) + 1);
        expect(bits.size).toBe(structure.totalCodewords);
        for (const count of bits.values()) expect(count).toBe(8);
        const perBlock = new Array<number>(structure.blocks).fill(0);
        for (const block of map.blockOfCodeword) perBlock[block]!++;
        perBlock.forEach((n, b) => expect(n).toBe(structure.shortBlockLength + (b >= structure.shortBlocks ? 1 : 0)));
        const { isFunction } = functionModules(version);
        expect(isFunction.length - isFunction.reduce((s, v) => s + v, 0)).toBe(rawDataModules(version));
      }
  });

  it("counts damage per block", () => {
    const map = codewordMap(1, "L");
    expect(damagePerBlock(map, () => false)).toEqual([0]);
    expect(damagePerBlock(map, () => true)).toEqual([26]);
  });
});
