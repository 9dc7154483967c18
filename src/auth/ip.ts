/**
 * IP allowlists: IPv4 and IPv6 addresses and CIDR ranges. IPv4-mapped IPv6 (::ffff:a.b.c.d) is
 * treated as the IPv4 address it carries, so an entry and a client match whichever way each is
 * written. Addresses are compared as 128-bit integers.
 */

export interface ParsedIp {
  /** 4 or 6, after unmapping ::ffff:a.b.c.d */
  family: 4 | 6;
  value: bigint;
}

export interface AllowlistEntry {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let tail: bigint[] = [];
  // An embedded IPv4 address supplies the last 32 bits.
  const lastColon = text.lastIndexOf(":");
  let head = text;
  if (text.includes(".")) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >> 16n, v4 & 0xffffn];
    head = text.slice(0, lastColon + 1) + "0";
    head = head.slice(0, -1).endsWith("::") ? head.slice(0, -1) : head.slice(0, -2);
  }
  const doubleColon = head.indexOf("::");
  if (doubleColon !== head.lastIndexOf("::")) return null;
  const toGroups = (s: string): bigint[] | null => {
    if (s === "") return [];
    const groups = s.split(":");
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return groups.map((g) => BigInt(`0x${g}`));
  };
  let groups: bigint[];
  if (doubleColon >= 0) {
    const left = toGroups(head.slice(0, doubleColon));
    const right = toGroups(head.slice(doubleColon + 2));
    if (!left || !right) return null;
    const missing = 8 - tail.length - left.length - right.length;
    if (missing < 1) return null;
    groups = [...left, ...new Array<bigint>(missing).fill(0n), ...right, ...tail];
  } else {
    const all = toGroups(head);
    if (!all) return null;
    groups = [...all, ...tail];
  }
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

const MAPPED_PREFIX = 0xffffn << 32n;

export function parseIp(text: string): ParsedIp | null {
  const trimmed = text.trim();
  if (trimmed.includes(":")) {
    // `[::1]` (URL/host-header form) is accepted; a lone bracket on one side is not.
    const unbracketed = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
    const value = parseIpv6(unbracketed);
    if (value === null) return null;
    if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
  }
  const value = parseIpv4(trimmed);
  return value === null ? null : { family: 4, value };
}

/** Parses `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`, `::ffff:10.0.0.0/104` (mapped ranges are unmapped). */
export function parseAllowlistEntry(text: string): AllowlistEntry | null {
  const [address, prefixText, extra] = text.trim().split("/");
  if (address === undefined || extra !== undefined) return null;
  const ip = parseIp(address);
  if (!ip) return null;
  const mapped = ip.family === 4 && address.includes(":");
  const max = mapped ? 128 : ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
  }
  if (mapped) {
    // ::ffff:0:0/96 and longer describe IPv4 space; shorter mapped prefixes are not meaningful.
    if (prefix < 96) return null;
    prefix -= 96;
  }
  const bits = ip.family === 4 ? 32 : 128;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: ip.family, network: ip.value & mask, prefix };
}

/** Canonical text of an entry, as stored and shown (`192.0.2.0/24`, `2001:db8::/64`, `203.0.113.7`). */
export function formatAllowlistEntry(entry: AllowlistEntry): string {
  const full = entry.family === 4 ? 32 : 128;
  const address = entry.family === 4 ? formatIpv4(entry.network) : formatIpv6(entry.network);
  return entry.prefix === full ? address : `${address}/${entry.prefix}`;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
}

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (of two or more) of zero groups.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

export function allowlistAdmits(entries: readonly AllowlistEntry[], clientIp: string | null | undefined): boolean {
  if (typeof clientIp !== "string" || clientIp === "") return false;
  const ip = parseIp(clientIp);
  if (!ip) return false;
  return entries.some((entry) => {
    if (entry.family !== ip.family) return false;
    const bits = entry.family === 4 ? 32 : 128;
    const mask = entry.prefix === 0 ? 0n : ((1n << BigInt(entry.prefix)) - 1n) << BigInt(bits - entry.prefix);
    return (ip.value & mask) === entry.network;
  });
}

export { MAPPED_PREFIX };
