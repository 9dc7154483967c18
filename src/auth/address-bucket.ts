/**
 * The client a sign-in limit counts against, from its address (CF-Connecting-IP).
 *
 * An IPv4 address is one client. An IPv6 address is not: a single subscriber line or cloud VM is
 * handed a whole /64 (2^64 addresses) and may pick a new one per request, so a limit keyed by the
 * full address would give each guess a fresh bucket. The /64 is what one client controls, so that
 * is the bucket (as Cloudflare's own rate limiting and most providers' abuse handling count).
 * IPv4-mapped IPv6 (::ffff:192.0.2.1) is the IPv4 address it maps.
 */
export function signInAddressBucket(address: string | undefined): string {
  if (address === undefined) return "unknown";
  const trimmed = address.trim().toLowerCase();
  if (!trimmed.includes(":")) return trimmed;
  const groups = ipv6Groups(trimmed);
  // Not an IPv6 address we can read: count it as given (Cloudflare only ever sends well-formed ones).
  if (!groups) return trimmed;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a trailing dotted IPv4 allowed), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/%.*$/, ""); // a zone index names an interface, not a client
  const dotted = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const octets = dotted.slice(2, 6).map(Number);
    if (octets.some((o) => o > 255)) return null;
    text = `${dotted[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const split = (part: string) => (part === "" ? [] : part.split(":"));
  const head = split(halves[0]!);
  const tail = halves.length === 2 ? split(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const parts = [...head, ...Array<string>(missing).fill("0"), ...tail];
  if (!parts.every((p) => /^[0-9a-f]{1,4}$/.test(p))) return null;
  return parts.map((p) => parseInt(p, 16));
}
