import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emailPayload,
  geoPayload,
  PayloadError,
  smsPayload,
  telPayload,
  vcardPayload,
  wifiPayload,
  type VCardInput,
} from "../../src/qr/payloads";

/** Asserts that `fn` throws a PayloadError for `field` whose message names that field. */
function expectPayloadError(fn: () => unknown, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PayloadError);
  const error = caught as PayloadError;
  expect(error.field).toBe(field);
  expect(error.name).toBe("PayloadError");
  expect(error.message).toContain(field);
  expect(error.message).toMatch(/\.$/);
}

// Unicode text including astral code points and control characters, but no lone surrogates.
const unicodeText = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }));
// Text dense in the characters each format has to escape, so those paths are hit on most runs.
const specialText = fc.string({
  unit: fc.constantFrom("\\", ";", ",", ":", '"', "\r", "\n", "\r\n", " ", "=", "&", "?", "#", "%", "+", "a", "é", "€", "😀"),
});
const anyText = fc.oneof(unicodeText, specialText);

describe("PayloadError", () => {
  it("is an Error carrying the field", () => {
    const error = new PayloadError("ssid", "ssid must not be empty.");
    expect(error).toBeInstanceOf(Error);
    expect(error.field).toBe("ssid");
    expect(error.message).toBe("ssid must not be empty.");
  });
});

describe("emailPayload", () => {
  it("builds a bare mailto for an address alone", () => {
    expect(emailPayload({ address: "hello@example.com" })).toBe("mailto:hello@example.com");
  });

  it("trims the address and omits empty params", () => {
    expect(emailPayload({ address: "  hello@example.com\n", subject: "", body: "" })).toBe("mailto:hello@example.com");
    expect(emailPayload({ address: "a@b.c", body: "x" })).toBe("mailto:a@b.c?body=x");
  });

  it("encodes spaces as %20 and line breaks as %0D%0A", () => {
    expect(emailPayload({ address: "a@b.c", subject: "Hello there", body: "line 1\nline 2\r\nline 3\rend" })).toBe(
      "mailto:a@b.c?subject=Hello%20there&body=line%201%0D%0Aline%202%0D%0Aline%203%0D%0Aend",
    );
  });

  it("percent-encodes query delimiters and non-ASCII in subject and body", () => {
    expect(emailPayload({ address: "a@b.c", subject: "a&b=c?d#e+f%g/h", body: "café 😀" })).toBe(
      "mailto:a@b.c?subject=a%26b%3Dc%3Fd%23e%2Bf%25g%2Fh&body=caf%C3%A9%20%F0%9F%98%80",
    );
  });

  it("keeps addr-spec characters that are safe in a URI and encodes the rest", () => {
    expect(emailPayload({ address: "bill+ietf.o'neil!$*-_~@example.org" })).toBe(
      "mailto:bill+ietf.o'neil!$*-_~@example.org",
    );
    expect(emailPayload({ address: 'a?b%c&d#e f"g(h)@example.org' })).toBe(
      "mailto:a%3Fb%25c%26d%23e%20f%22g%28h%29@example.org",
    );
    // RFC 6068 requires '=' and ';' to be encoded; ^ ` { | } are not URI characters at all.
    expect(emailPayload({ address: "x=y;z^`{|}/[]@example.org" })).toBe(
      "mailto:x%3Dy%3Bz%5E%60%7B%7C%7D%2F%5B%5D@example.org",
    );
    expect(emailPayload({ address: "jöran@bücher.de" })).toBe("mailto:j%C3%B6ran@b%C3%BCcher.de");
  });

  it("rejects addresses without a usable '@'", () => {
    expectPayloadError(() => emailPayload({ address: "example.com" }), "address");
    expectPayloadError(() => emailPayload({ address: "" }), "address");
    expectPayloadError(() => emailPayload({ address: "@example.com" }), "address");
    expectPayloadError(() => emailPayload({ address: "name@" }), "address");
  });

  it("rejects text that is not valid Unicode", () => {
    expectPayloadError(() => emailPayload({ address: "a@b.c", subject: "x\uD800y" }), "subject");
    expectPayloadError(() => emailPayload({ address: "a@b.c", body: "\uDC00" }), "body");
  });

  it("round-trips subject and body through decodeURIComponent (property)", () => {
    fc.assert(
      fc.property(anyText, anyText, (subject, body) => {
        const payload = emailPayload({ address: "a@b.c", subject, body });
        expect(payload).not.toMatch(/[ +\r\n]/);
        const [head, query = ""] = payload.split("?", 2) as [string, string?];
        expect(head).toBe("mailto:a@b.c");
        const params = new Map<string, string>();
        for (const pair of query === "" ? [] : query.split("&")) {
          const eq = pair.indexOf("=");
          params.set(pair.slice(0, eq), decodeURIComponent(pair.slice(eq + 1)));
        }
        const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, "\r\n");
        expect(params.get("subject")).toBe(subject === "" ? undefined : crlf(subject));
        expect(params.get("body")).toBe(body === "" ? undefined : crlf(body));
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips the address through decodeURIComponent and leaves no unsafe character (property)", () => {
    fc.assert(
      fc.property(anyText, anyText, (local, domain) => {
        const address = `x${local}@${domain}y`;
        const encoded = emailPayload({ address }).slice("mailto:".length);
        expect(encoded).toMatch(/^(?:[A-Za-z0-9@.!$'*+\-_~]|%[0-9A-F]{2})*$/);
        expect(decodeURIComponent(encoded)).toBe(address.trim());
      }),
      { numRuns: 500 },
    );
  });
});

describe("telPayload", () => {
  it("strips visual separators and keeps a leading '+'", () => {
    expect(telPayload("+1 (555) 012-3456")).toBe("tel:+15550123456");
    expect(telPayload("555.012.3456")).toBe("tel:5550123456");
    expect(telPayload("  +44 20 7946 0958 ")).toBe("tel:+442079460958");
    expect(telPayload("112")).toBe("tel:112");
    expect(telPayload("1".repeat(20))).toBe(`tel:${"1".repeat(20)}`);
  });

  it("rejects empty numbers, foreign characters and bad lengths", () => {
    expectPayloadError(() => telPayload(""), "phone");
    expectPayloadError(() => telPayload("   "), "phone");
    expectPayloadError(() => telPayload("555-CALL-NOW"), "phone");
    expectPayloadError(() => telPayload("555#123"), "phone");
    expectPayloadError(() => telPayload("1+5550123"), "phone");
    expectPayloadError(() => telPayload("++15550123"), "phone");
    expectPayloadError(() => telPayload("+"), "phone");
    expectPayloadError(() => telPayload("12"), "phone");
    expectPayloadError(() => telPayload("+1 2"), "phone");
    expectPayloadError(() => telPayload("1".repeat(21)), "phone");
  });

  it("keeps exactly the digits whatever separators surround them (property)", () => {
    const separator = fc.constantFrom("", " ", "-", ".", "(", ")");
    const piece = fc.tuple(fc.integer({ min: 0, max: 9 }), separator);
    fc.assert(
      fc.property(fc.boolean(), fc.array(piece, { minLength: 3, maxLength: 20 }), (plus, pieces) => {
        const input = (plus ? "+" : "") + pieces.map(([d, s]) => `${d}${s}`).join("");
        expect(telPayload(input)).toBe(`tel:${plus ? "+" : ""}${pieces.map(([d]) => d).join("")}`);
      }),
    );
  });
});

describe("smsPayload", () => {
  it("builds SMSTO with a normalised number and the raw message", () => {
    expect(smsPayload({ phoneNumber: "+1 555-012-3456", message: "Hi: see you; at 5, ok?" })).toBe(
      "SMSTO:+15550123456:Hi: see you; at 5, ok?",
    );
  });

  it("ends with ':' when there is no message", () => {
    expect(smsPayload({ phoneNumber: "5550123" })).toBe("SMSTO:5550123:");
    expect(smsPayload({ phoneNumber: "5550123", message: "" })).toBe("SMSTO:5550123:");
  });

  it("reports the phoneNumber field", () => {
    expectPayloadError(() => smsPayload({ phoneNumber: "" }), "phoneNumber");
    expectPayloadError(() => smsPayload({ phoneNumber: "call me" }), "phoneNumber");
    expectPayloadError(() => smsPayload({ phoneNumber: "555", message: "\uD83D" }), "message");
  });
});

describe("geoPayload", () => {
  it("prints plain decimal coordinates", () => {
    expect(geoPayload({ latitude: 48.8584, longitude: 2.2945 })).toBe("geo:48.8584,2.2945");
    expect(geoPayload({ latitude: -33.8568, longitude: 151.2153 })).toBe("geo:-33.8568,151.2153");
    expect(geoPayload({ latitude: 90, longitude: -180 })).toBe("geo:90,-180");
    expect(geoPayload({ latitude: -90, longitude: 180 })).toBe("geo:-90,180");
  });

  it("prints -0 and tiny values as 0, never with an exponent, at most 7 decimals", () => {
    expect(geoPayload({ latitude: -0, longitude: 0 })).toBe("geo:0,0");
    expect(geoPayload({ latitude: 1e-8, longitude: -1e-8 })).toBe("geo:0,0");
    expect(geoPayload({ latitude: 5e-324, longitude: -4e-8 })).toBe("geo:0,0");
    expect(geoPayload({ latitude: 1e-7, longitude: -2.5e-6 })).toBe("geo:0.0000001,-0.0000025");
    expect(geoPayload({ latitude: 12.3456789012, longitude: 0.1 + 0.2 })).toBe("geo:12.3456789,0.3");
    expect(geoPayload({ latitude: 10.5, longitude: 100 })).toBe("geo:10.5,100");
  });

  it("appends a percent-encoded query", () => {
    expect(geoPayload({ latitude: 48.8584, longitude: 2.2945, query: "Eiffel Tower & café" })).toBe(
      "geo:48.8584,2.2945?q=Eiffel%20Tower%20%26%20caf%C3%A9",
    );
    expect(geoPayload({ latitude: 1, longitude: 2, query: "" })).toBe("geo:1,2");
  });

  it("rejects out-of-range and non-finite coordinates", () => {
    expectPayloadError(() => geoPayload({ latitude: 90.0000001, longitude: 0 }), "latitude");
    expectPayloadError(() => geoPayload({ latitude: -91, longitude: 0 }), "latitude");
    expectPayloadError(() => geoPayload({ latitude: Number.NaN, longitude: 0 }), "latitude");
    expectPayloadError(() => geoPayload({ latitude: Number.POSITIVE_INFINITY, longitude: 0 }), "latitude");
    expectPayloadError(() => geoPayload({ latitude: 0, longitude: 180.5 }), "longitude");
    expectPayloadError(() => geoPayload({ latitude: 0, longitude: -181 }), "longitude");
    expectPayloadError(() => geoPayload({ latitude: 0, longitude: Number.NEGATIVE_INFINITY }), "longitude");
    expectPayloadError(() => geoPayload({ latitude: "1" as unknown as number, longitude: 0 }), "latitude");
  });

  it("prints numbers that parse back within 1e-7 (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (latitude, longitude) => {
          const match = /^geo:([^,]+),(.+)$/.exec(geoPayload({ latitude, longitude }));
          expect(match).not.toBeNull();
          const [, lat = "", lng = ""] = match!;
          for (const [printed, input] of [
            [lat, latitude],
            [lng, longitude],
          ] as const) {
            expect(printed).toMatch(/^-?(?:0|[1-9][0-9]*)(?:\.[0-9]{0,6}[1-9])?$/);
            expect(printed).not.toBe("-0");
            expect(Math.abs(Number.parseFloat(printed) - input)).toBeLessThanOrEqual(1e-7);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

/** Splits a WIFI: payload on unescaped ';' and unescapes each field, as ZXing-style readers do. */
function parseWifi(payload: string): Map<string, string> {
  expect(payload.startsWith("WIFI:")).toBe(true);
  expect(payload.endsWith(";;")).toBe(true);
  const fields = new Map<string, string>();
  let current = "";
  let escaped = false;
  const body = payload.slice("WIFI:".length, -1);
  for (const ch of body) {
    if (escaped) {
      current += ch;
      escaped = false;
    } else if (ch === "\\") {
      escaped = true;
    } else if (ch === ";") {
      const colon = current.indexOf(":");
      expect(colon).toBeGreaterThan(0);
      const key = current.slice(0, colon);
      expect(fields.has(key)).toBe(false);
      fields.set(key, current.slice(colon + 1));
      current = "";
    } else {
      current += ch;
    }
  }
  expect(escaped).toBe(false);
  expect(current).toBe("");
  return fields;
}

describe("wifiPayload", () => {
  it("builds the fields in T, S, P, H order", () => {
    expect(wifiPayload({ ssid: "Home", password: "s3cret!!", encryption: "WPA" })).toBe("WIFI:T:WPA;S:Home;P:s3cret!!;;");
    expect(wifiPayload({ ssid: "Home", password: "abcde", encryption: "WEP", hidden: true })).toBe(
      "WIFI:T:WEP;S:Home;P:abcde;H:true;;",
    );
    expect(wifiPayload({ ssid: "Cafe", encryption: "nopass", hidden: false })).toBe("WIFI:T:nopass;S:Cafe;;");
  });

  it("ignores a password on an open network", () => {
    expect(wifiPayload({ ssid: "Cafe", password: "ignored", encryption: "nopass", hidden: true })).toBe(
      "WIFI:T:nopass;S:Cafe;H:true;;",
    );
  });

  it("escapes backslash, semicolon, comma, colon and double quote", () => {
    expect(wifiPayload({ ssid: 'a\\b;c,d:e"f', password: '\\;,:"', encryption: "WPA" })).toBe(
      'WIFI:T:WPA;S:a\\\\b\\;c\\,d\\:e\\"f;P:\\\\\\;\\,\\:\\";;',
    );
    // An already-escaped-looking input is escaped again, not passed through.
    expect(wifiPayload({ ssid: "\\;", encryption: "nopass" })).toBe("WIFI:T:nopass;S:\\\\\\;;;");
  });

  it("does not trim the SSID", () => {
    expect(wifiPayload({ ssid: " x ", encryption: "nopass" })).toBe("WIFI:T:nopass;S: x ;;");
  });

  it("rejects missing SSID, missing password and unknown encryption", () => {
    expectPayloadError(() => wifiPayload({ ssid: "", encryption: "nopass" }), "ssid");
    expectPayloadError(() => wifiPayload({ ssid: "Home", encryption: "WPA" }), "password");
    expectPayloadError(() => wifiPayload({ ssid: "Home", password: "", encryption: "WEP" }), "password");
    expectPayloadError(
      () => wifiPayload({ ssid: "Home", password: "x", encryption: "WPA2" as unknown as "WPA" }),
      "encryption",
    );
    expectPayloadError(() => wifiPayload({ ssid: "\uDFFF", encryption: "nopass" }), "ssid");
  });

  it("parses back to the original ssid and password (property)", () => {
    fc.assert(
      fc.property(
        anyText.filter((s) => s !== ""),
        anyText.filter((s) => s !== ""),
        fc.constantFrom("WPA" as const, "WEP" as const, "nopass" as const),
        fc.boolean(),
        (ssid, password, encryption, hidden) => {
          const fields = parseWifi(wifiPayload({ ssid, password, encryption, hidden }));
          expect(fields.get("T")).toBe(encryption);
          expect(fields.get("S")).toBe(ssid);
          expect(fields.get("P")).toBe(encryption === "nopass" ? undefined : password);
          expect(fields.get("H")).toBe(hidden ? "true" : undefined);
          expect([...fields.keys()]).toEqual(
            ["T", "S", encryption === "nopass" ? "" : "P", hidden ? "H" : ""].filter(Boolean),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
const unfold = (vcard: string) => vcard.replace(/\r\n /g, "");

/** Reverses RFC 2426 text escaping: \n or \N is a line break, any other backslash pair is the escaped character. */
function unescapeVCardText(value: string): string {
  return value.replace(/\\([\s\S])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
}

/** The unescaped components of one property's value, split on unescaped ';'. */
function vcardProperty(vcard: string, name: string): string[] | undefined {
  const line = unfold(vcard)
    .split("\r\n")
    .find((l) => l.startsWith(`${name}:`));
  if (line === undefined) return undefined;
  return splitUnescaped(line.slice(name.length + 1)).map(unescapeVCardText);
}

function splitUnescaped(raw: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\\") {
      current += ch + (raw[i + 1] ?? "");
      i++;
    } else if (ch === ";") {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

describe("vcardPayload", () => {
  it("builds a full vCard 3.0 with CRLF line endings", () => {
    const card: VCardInput = {
      firstName: "Ada",
      lastName: "Lovelace",
      organization: "Analytical Engines, Ltd.",
      jobTitle: "Mathematician",
      gender: "F",
      note: "First programmer;\nsee notes",
      phones: [{ number: "+44 20 7946 0958", type: "work" }, { number: "07700 900123", type: "cell" }, { number: "555 0100" }],
      emails: ["ada@example.org"],
      urls: ["https://example.org/ada?x=1,2"],
      address: { street: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", country: "UK" },
    };
    expect(vcardPayload(card)).toBe(
      [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "N:Lovelace;Ada;;;",
        "FN:Ada Lovelace",
        "ORG:Analytical Engines\\, Ltd.",
        "TITLE:Mathematician",
        "TEL;TYPE=WORK:+442079460958",
        "TEL;TYPE=CELL:07700900123",
        "TEL:5550100",
        "EMAIL:ada@example.org",
        "URL:https://example.org/ada?x=1,2",
        "ADR:;;12 St James's Square;London;;SW1Y 4JH;UK",
        "NOTE:First programmer\\;\\nsee notes",
        "X-GENDER:F",
        "END:VCARD",
        "",
      ].join("\r\n"),
    );
  });

  it("uses the organization as FN when no name is given and omits empty properties", () => {
    expect(vcardPayload({ organization: "Acme", jobTitle: " ", note: "  \n", phones: [{ number: " " }], emails: [""] })).toBe(
      "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Acme\r\nORG:Acme\r\nEND:VCARD\r\n",
    );
  });

  it("builds FN from whichever name parts exist", () => {
    expect(vcardPayload({ lastName: " Curie " })).toContain("\r\nN:Curie;;;;\r\nFN:Curie\r\n");
    expect(vcardPayload({ firstName: "Marie" })).toContain("\r\nN:;Marie;;;\r\nFN:Marie\r\n");
  });

  it("escapes backslash, newline, comma and semicolon in text and structured values", () => {
    const out = vcardPayload({
      firstName: "a\\b",
      lastName: "c;d,e",
      note: "x\r\ny\rz\n\\n",
      address: { street: "1;2", city: "A, B", country: "C\\D" },
    });
    expect(out).toContain("\r\nN:c\\;d\\,e;a\\\\b;;;\r\n");
    expect(out).toContain("\r\nFN:a\\\\b c\\;d\\,e\r\n");
    expect(out).toContain("\r\nNOTE:x\\ny\\nz\\n\\\\n\r\n");
    expect(out).toContain("\r\nADR:;;1\\;2;A\\, B;;;C\\\\D\r\n");
  });

  it("folds at 75 octets, counting the leading space of continuation lines", () => {
    const out = vcardPayload({ firstName: "A", note: "x".repeat(200) });
    const lines = out.split("\r\n");
    const noteLines = lines.slice(lines.findIndex((l) => l.startsWith("NOTE:")), lines.indexOf("END:VCARD"));
    expect(noteLines.map((l) => l.length)).toEqual([75, 75, 57]);
    expect(noteLines[0]).toBe(`NOTE:${"x".repeat(70)}`);
    expect(noteLines[1]).toBe(` ${"x".repeat(74)}`);
    expect(noteLines[2]).toBe(` ${"x".repeat(56)}`);
  });

  it("never splits a multi-byte character or surrogate pair when folding", () => {
    // "NOTE:" is 5 bytes; 17 four-byte emoji take 68 more, and the 18th would end at byte 77.
    const out = vcardPayload({ firstName: "A", note: "😀".repeat(20) + "€".repeat(30) });
    const lines = out.split("\r\n");
    const note = lines.findIndex((l) => l.startsWith("NOTE:"));
    expect(lines[note]).toBe(`NOTE:${"😀".repeat(17)}`);
    expect(lines[note + 1]).toBe(` ${"😀".repeat(3)}${"€".repeat(20)}`);
    expect(utf8(lines[note + 1]!)).toBe(73);
    expect(lines[note + 2]).toBe(` ${"€".repeat(10)}`);
  });

  it("rejects cards without a name or organization, and bad sub-fields", () => {
    expectPayloadError(() => vcardPayload({}), "firstName");
    expectPayloadError(() => vcardPayload({ firstName: "  ", lastName: "", organization: "\t" }), "firstName");
    expectPayloadError(() => vcardPayload({ firstName: "A", phones: [{ number: "1234" }, { number: "abc" }] }), "phones[1].number");
    expectPayloadError(
      () => vcardPayload({ firstName: "A", phones: [{ number: "1234", type: "fax" as unknown as "cell" }] }),
      "phones[0].type",
    );
    expectPayloadError(() => vcardPayload({ firstName: "A", emails: ["nobody"] }), "emails[0]");
    expectPayloadError(() => vcardPayload({ firstName: "A", urls: ["https://a.b/x y"] }), "urls[0]");
    expectPayloadError(() => vcardPayload({ firstName: "A", note: "\uD800" }), "note");
  });

  it("folds to ≤75-byte well-formed lines that unfold and unescape to the original text (property)", () => {
    const lineBreaksToLf = (s: string) => s.replace(/\r\n|\r|\n/g, "\n");
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (firstName, lastName, note, street) => {
        const out = vcardPayload({ firstName, lastName, organization: "Org", note, address: { street } });

        expect(Buffer.from(out, "utf8").toString("utf8")).toBe(out);
        expect(out.endsWith("END:VCARD\r\n")).toBe(true);
        const physical = out.slice(0, -2).split("\r\n");
        for (const line of physical) {
          expect(utf8(line)).toBeLessThanOrEqual(75);
          expect(line).not.toMatch(/[\r\n]/);
          expect(line.isWellFormed()).toBe(true);
        }

        const first = firstName.trim();
        const last = lastName.trim();
        expect(vcardProperty(out, "FN")).toEqual([lineBreaksToLf(`${first} ${last}`.trim() || "Org")]);
        expect(vcardProperty(out, "N")).toEqual([lineBreaksToLf(last), lineBreaksToLf(first), "", "", ""]);
        expect(vcardProperty(out, "NOTE")).toEqual(note.trim() === "" ? undefined : [lineBreaksToLf(note)]);
        const s = street.trim();
        expect(vcardProperty(out, "ADR")).toEqual(s === "" ? undefined : ["", "", lineBreaksToLf(s), "", "", "", ""]);
      }),
      { numRuns: 500 },
    );
  });
});
