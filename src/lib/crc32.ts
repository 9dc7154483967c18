/** CRC-32 (IEEE 802.3, the polynomial of PNG and zlib), incrementally over several inputs. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of the concatenation of `parts` (byte arrays, or strings of 8-bit characters). */
export function crc32(...parts: (Uint8Array | string)[]): number {
  let c = 0xffffffff;
  for (const part of parts) {
    if (typeof part === "string") for (let i = 0; i < part.length; i++) c = TABLE[(c ^ part.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
    else for (let i = 0; i < part.length; i++) c = TABLE[(c ^ part[i]!) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
