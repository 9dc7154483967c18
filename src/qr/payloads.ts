/**
 * Builders for the native payload strings of static QR content types (mailto, tel, SMSTO, geo, WIFI, vCard).
 * Pure string code: no platform APIs, so it runs the same in Workers, Node and tests.
 */

/** Invalid builder input. `field` names the offending input (`latitude`, `phones[1].number`, ...). */
export class PayloadError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "PayloadError";
  }
}

export interface EmailInput {
  address: string;
  subject?: string;
  body?: string;
}

export interface SmsInput {
  phoneNumber: string;
  message?: string;
}

export interface GeoInput {
  latitude: number;
  longitude: number;
  query?: string;
}

export type WifiEncryption = "WPA" | "WEP" | "nopass";

export interface WifiInput {
  ssid: string;
  password?: string;
  encryption: WifiEncryption;
  hidden?: boolean;
}

export type VCardPhoneType = "cell" | "work" | "home";

export interface VCardInput {
  firstName?: string;
  lastName?: string;
  organization?: string;
  jobTitle?: string;
  gender?: string;
  note?: string;
  phones?: { number: string; type?: VCardPhoneType }[];
  emails?: string[];
  urls?: string[];
  address?: { street?: string; city?: string; region?: string; postalCode?: string; country?: string };
}

// ---------------------------------------------------------------------------------------------------------------
// Shared checks

/**
 * Inputs usually arrive as parsed JSON, so types are re-checked at runtime. Unpaired surrogates are rejected because
 * they cannot be encoded as UTF-8 (the QR byte mode) and would silently turn into U+FFFD.
 */
function text(field: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new PayloadError(field, `${field} must be a string.`);
  if (!value.isWellFormed()) throw new PayloadError(field, `${field} contains an unpaired surrogate and is not valid Unicode text.`);
  return value;
}

function normaliseLineBreaks(value: string, lineBreak: string): string {
  return value.replace(/\r\n|\r|\n/g, lineBreak);
}

/**
 * RFC 3966 visual separators (plus whitespace, which people type anyway) are dropped; anything else is an error
 * rather than being silently removed, so "555-CALL-NOW" does not become a wrong number.
 */
function normalisePhone(field: string, raw: unknown): string {
  const trimmed = text(field, raw).trim();
  if (trimmed === "") throw new PayloadError(field, `${field} must not be empty.`);
  const plus = trimmed.startsWith("+") ? "+" : "";
  const digits = trimmed.slice(plus.length).replace(/[\s\-.()]/g, "");
  if (!/^[0-9]*$/.test(digits)) {
    throw new PayloadError(field, `${field} may only contain digits, a leading '+', spaces, dashes, dots and parentheses.`);
  }
  if (digits.length < 3 || digits.length > 20) {
    throw new PayloadError(field, `${field} must contain between 3 and 20 digits.`);
  }
  return plus + digits;
}

function requireEmailAddress(field: string, raw: unknown): string {
  const address = text(field, raw).trim();
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) {
    throw new PayloadError(field, `${field} must be an email address of the form name@domain.`);
  }
  return address;
}

function percentEncodeByte(byte: number): string {
  return "%" + byte.toString(16).toUpperCase().padStart(2, "0");
}

// ---------------------------------------------------------------------------------------------------------------
// mailto (RFC 6068)

/**
 * RFC 6068 section 2 requires percent-encoding of everything that is not a URI character, of '%', of the gen-delims
 * other than '@' and ':', and of '&', ';' and '='. Characters like ^ ` { | } are legal in an addr-spec but not in a
 * URI, so they are encoded too. What is left verbatim is the set every mail client reads back unchanged.
 */
const MAILTO_ADDRESS_SAFE = /^[A-Za-z0-9@.!$'*+\-_~]$/;

function encodeMailtoAddress(address: string): string {
  let out = "";
  for (const ch of address) {
    // encodeURIComponent leaves '(' and ')' alone, but they are not allowed verbatim in an address here.
    out += MAILTO_ADDRESS_SAFE.test(ch)
      ? ch
      : encodeURIComponent(ch).replace(/[()]/g, (c) => percentEncodeByte(c.charCodeAt(0)));
  }
  return out;
}

export function emailPayload(input: EmailInput): string {
  const address = requireEmailAddress("address", input.address);
  // RFC 6068: line breaks in hfvalues are CRLF, and spaces are %20 (encodeURIComponent never produces '+').
  const params: string[] = [];
  const subject = normaliseLineBreaks(text("subject", input.subject), "\r\n");
  const body = normaliseLineBreaks(text("body", input.body), "\r\n");
  if (subject !== "") params.push(`subject=${encodeURIComponent(subject)}`);
  if (body !== "") params.push(`body=${encodeURIComponent(body)}`);
  return `mailto:${encodeMailtoAddress(address)}${params.length > 0 ? "?" + params.join("&") : ""}`;
}

// ---------------------------------------------------------------------------------------------------------------
// tel and SMS

export function telPayload(phone: string): string {
  return `tel:${normalisePhone("phone", phone)}`;
}

/** SMSTO readers split on the first ':' after the number and never unescape, so the message goes in raw. */
export function smsPayload(input: SmsInput): string {
  return `SMSTO:${normalisePhone("phoneNumber", input.phoneNumber)}:${text("message", input.message)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// geo (RFC 5870)

/** Seven decimals is ~1 cm; toFixed never uses exponent notation for values this small. */
function formatCoordinate(value: number): string {
  const fixed = value.toFixed(7).replace(/\.?0+$/, "");
  return fixed === "-0" ? "0" : fixed;
}

function coordinate(field: string, value: unknown, limit: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new PayloadError(field, `${field} must be a finite number.`);
  }
  if (value < -limit || value > limit) {
    throw new PayloadError(field, `${field} must be between -${limit} and ${limit}.`);
  }
  return value;
}

export function geoPayload(input: GeoInput): string {
  const lat = formatCoordinate(coordinate("latitude", input.latitude, 90));
  const lng = formatCoordinate(coordinate("longitude", input.longitude, 180));
  const query = text("query", input.query);
  return `geo:${lat},${lng}${query !== "" ? `?q=${encodeURIComponent(query)}` : ""}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Wi-Fi (ZXing "WIFI:" convention)

/** A single pass over the characters, so backslashes added by the escape are never escaped again. */
function escapeWifi(value: string): string {
  return value.replace(/[\\;,:"]/g, (c) => `\\${c}`);
}

export function wifiPayload(input: WifiInput): string {
  const encryption: unknown = input.encryption;
  if (encryption !== "WPA" && encryption !== "WEP" && encryption !== "nopass") {
    throw new PayloadError("encryption", "encryption must be one of WPA, WEP or nopass.");
  }
  // SSIDs may legitimately start or end with spaces, so they are not trimmed.
  const ssid = text("ssid", input.ssid);
  if (ssid === "") throw new PayloadError("ssid", "ssid must not be empty.");
  let out = `WIFI:T:${encryption};S:${escapeWifi(ssid)};`;
  if (encryption !== "nopass") {
    const password = text("password", input.password);
    if (password === "") throw new PayloadError("password", `password is required for ${encryption} networks.`);
    out += `P:${escapeWifi(password)};`;
  }
  if (input.hidden === true) out += "H:true;";
  return out + ";";
}

// ---------------------------------------------------------------------------------------------------------------
// vCard 3.0 (RFC 2426, folding per RFC 2425)

/** Backslash first so the escapes added afterwards are not doubled; every line-break form becomes a literal \n. */
function escapeVCardText(value: string): string {
  return normaliseLineBreaks(value.replace(/[\\,;]/g, (c) => `\\${c}`), "\\n");
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * The 75-octet limit counts UTF-8 bytes, and a fold must fall between code points: splitting a multi-byte sequence
 * (or a surrogate pair in JS terms) would leave both physical lines invalid UTF-8. Continuation lines start with
 * the folding space, which counts towards their 75.
 */
function foldLine(line: string): string {
  const limit = 75;
  let out = "";
  let used = 0;
  for (const ch of line) {
    const size = utf8Length(ch.codePointAt(0)!);
    if (used + size > limit) {
      out += "\r\n ";
      used = 1;
    }
    out += ch;
    used += size;
  }
  return out;
}

const PHONE_TYPES: Record<VCardPhoneType, string> = { cell: "CELL", work: "WORK", home: "HOME" };

export function vcardPayload(card: VCardInput): string {
  const trimmed = (name: string, value: unknown) => text(name, value).trim();
  const firstName = trimmed("firstName", card.firstName);
  const lastName = trimmed("lastName", card.lastName);
  const organization = trimmed("organization", card.organization);
  if (firstName === "" && lastName === "" && organization === "") {
    throw new PayloadError("firstName", "firstName, lastName or organization must be given.");
  }

  const lines = ["BEGIN:VCARD", "VERSION:3.0"];
  // N and FN are mandatory in vCard 3.0, so N is emitted even when only an organisation is known.
  lines.push(`N:${[lastName, firstName, "", "", ""].map(escapeVCardText).join(";")}`);
  lines.push(`FN:${escapeVCardText(`${firstName} ${lastName}`.trim() || organization)}`);
  const add = (name: string, value: string) => {
    if (value !== "") lines.push(`${name}:${escapeVCardText(value)}`);
  };
  add("ORG", organization);
  add("TITLE", trimmed("jobTitle", card.jobTitle));

  (card.phones ?? []).forEach((phone, i) => {
    if (text(`phones[${i}].number`, phone.number).trim() === "") return;
    const number = normalisePhone(`phones[${i}].number`, phone.number);
    const type: unknown = phone.type;
    if (type !== undefined && type !== "cell" && type !== "work" && type !== "home") {
      throw new PayloadError(`phones[${i}].type`, `phones[${i}].type must be one of cell, work or home.`);
    }
    lines.push(type === undefined ? `TEL:${number}` : `TEL;TYPE=${PHONE_TYPES[type]}:${number}`);
  });
  (card.emails ?? []).forEach((email, i) => {
    if (trimmed(`emails[${i}]`, email) !== "") add("EMAIL", requireEmailAddress(`emails[${i}]`, email));
  });
  (card.urls ?? []).forEach((url, i) => {
    const value = trimmed(`urls[${i}]`, url);
    if (value === "") return;
    // URL is a uri value, not text: it is not backslash-escaped, so it must not contain anything that needs it.
    if (/[\s\x00-\x1f\x7f]/.test(value)) {
      throw new PayloadError(`urls[${i}]`, `urls[${i}] must be a URL without spaces or control characters.`);
    }
    lines.push(`URL:${value}`);
  });

  const a = card.address ?? {};
  const adr = [
    "",
    "",
    trimmed("address.street", a.street),
    trimmed("address.city", a.city),
    trimmed("address.region", a.region),
    trimmed("address.postalCode", a.postalCode),
    trimmed("address.country", a.country),
  ];
  if (adr.some((part) => part !== "")) lines.push(`ADR:${adr.map(escapeVCardText).join(";")}`);

  // The note keeps its own layout (indentation, blank lines); it is only dropped when it says nothing.
  const note = text("note", card.note);
  if (note.trim() !== "") lines.push(`NOTE:${escapeVCardText(note)}`);
  add("X-GENDER", trimmed("gender", card.gender));
  lines.push("END:VCARD");

  return lines.map((line) => foldLine(line) + "\r\n").join("");
}
