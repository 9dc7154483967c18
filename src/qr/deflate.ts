/**
 * A zlib stream (RFC 1950 around RFC 1951 deflate) specialised for image scanlines.
 *
 * New lines are matched as zlib's level 9 matches (hash chains over a 32 KB window, lazy
 * matching), but a repeated line (a module row repeats its pixel row dotSize times) is coded as
 * long matches without being read or searched, which is most of a scaled QR code's bytes. Tokens
 * are coded with per-block dynamic Huffman tables. Measured on the bench's plain code (IDAT
 * bytes against zlib level 9 on the same raster): 509/506 at 300 px, 773/739 at 500 px,
 * 1114/1072 at 1000 px, 14218/14126 at 5000 px (the whole plain render took 0.2 to 0.35 ms at
 * 500 px and 0.65 to 1.0 ms at 5000 px for it, in the same process).
 */

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MAX_DISTANCE = 32768;
/** Tokens per deflate block: each block gets its own tables, and the token buffer stays small. */
const BLOCK_TOKENS = 1 << 15;
const END_OF_BLOCK = 256;
const LITLEN_SYMBOLS = 286;
const DISTANCE_SYMBOLS = 30;
const CODE_LENGTH_SYMBOLS = 19;
const MAX_CODE_BITS = 15;
const MAX_CODE_LENGTH_BITS = 7;
/** RFC 1951 3.2.7: the order in which code-length code lengths are sent. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// RFC 1951 3.2.5: length 3..258 and distance 1..32768 as a symbol plus extra bits.
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Symbol index (0..28) for every match length 0..258, filled once. */
const LENGTH_CODE = new Uint8Array(MAX_MATCH + 1);
for (let code = 0; code < LENGTH_BASE.length; code++) {
  const end = code + 1 < LENGTH_BASE.length ? LENGTH_BASE[code + 1]! : MAX_MATCH + 1;
  LENGTH_CODE.fill(code, LENGTH_BASE[code]!, end);
}

/** zlib's table: distance codes for distances 1..256 directly, and for longer ones by (d - 1) >> 7. */
const DISTANCE_CODE = new Uint8Array(512);
for (let code = 0; code < DISTANCE_BASE.length; code++) {
  const first = DISTANCE_BASE[code]! - 1;
  const last = (code + 1 < DISTANCE_BASE.length ? DISTANCE_BASE[code + 1]! : MAX_DISTANCE + 1) - 2;
  for (let d = first; d <= last; d++) DISTANCE_CODE[d < 256 ? d : 256 + (d >> 7)] = code;
}
const distanceCode = (distance: number): number => (distance <= 256 ? DISTANCE_CODE[distance - 1]! : DISTANCE_CODE[256 + ((distance - 1) >> 7)]!);

class BitWriter {
  private out: Uint8Array;
  private length = 0;
  private bits = 0;
  private count = 0;

  constructor(capacity: number) {
    this.out = new Uint8Array(Math.max(64, capacity));
  }

  /** Writes up to 16 bits, least significant first, as deflate packs everything but Huffman codes. */
  write(value: number, width: number): void {
    this.bits |= value << this.count;
    this.count += width;
    while (this.count >= 8) {
      if (this.length === this.out.length) this.grow();
      this.out[this.length++] = this.bits & 0xff;
      this.bits >>>= 8;
      this.count -= 8;
    }
  }

  /** Pads to a byte boundary and appends whole bytes. */
  bytes(data: ArrayLike<number>): void {
    if (this.count > 0) this.write(0, 8 - this.count);
    for (let i = 0; i < data.length; i++) this.write(data[i]!, 8);
  }

  finish(): Uint8Array {
    if (this.count > 0) this.write(0, 8 - this.count);
    return this.out.subarray(0, this.length);
  }

  private grow(): void {
    const bigger = new Uint8Array(this.out.length * 2);
    bigger.set(this.out);
    this.out = bigger;
  }
}

/**
 * Huffman code lengths (at most `maxBits`) for the given symbol frequencies. Lengths come from a
 * two-queue Huffman construction; codes deeper than allowed are rebalanced the way zlib and miniz
 * do it (move leaves up, keep the Kraft sum exact), then handed out by frequency.
 */
export function huffmanLengths(frequencies: Uint32Array, maxBits: number): Uint8Array {
  const n = frequencies.length;
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if (frequencies[s]! > 0) used.push(s);
  // A code needs two symbols to be complete; a lone symbol gets a partner that is never sent.
  for (let s = 0; used.length < 2; s++) if (frequencies[s] === 0 && !used.includes(s)) used.push(s);
  used.sort((a, b) => frequencies[a]! - frequencies[b]! || a - b);

  // Two queues: sorted leaves, and internal nodes created in non-decreasing weight order.
  const leaves = used.length;
  const weight = new Float64Array(2 * leaves);
  const parent = new Int32Array(2 * leaves).fill(-1);
  for (let i = 0; i < leaves; i++) weight[i] = Math.max(1, frequencies[used[i]!]!);
  let nextLeaf = 0;
  let nextNode = leaves;
  let created = leaves;
  const takeSmallest = (): number => {
    if (nextLeaf < leaves && (nextNode >= created || weight[nextLeaf]! <= weight[nextNode]!)) return nextLeaf++;
    return nextNode++;
  };
  for (let k = 0; k < leaves - 1; k++) {
    const a = takeSmallest();
    const b = takeSmallest();
    weight[created] = weight[a]! + weight[b]!;
    parent[a] = parent[b] = created;
    created++;
  }
  // Depth of each node, root last: children were created before their parents.
  const depth = new Int32Array(created);
  for (let i = created - 2; i >= 0; i--) depth[i] = depth[parent[i]!]! + 1;

  const perLength = new Int32Array(33);
  for (let i = 0; i < leaves; i++) perLength[Math.min(depth[i]!, 32)]!++;
  for (let bits = maxBits + 1; bits <= 32; bits++) {
    perLength[maxBits]! += perLength[bits]!;
    perLength[bits] = 0;
  }
  let kraft = 0;
  for (let bits = maxBits; bits > 0; bits--) kraft += perLength[bits]! << (maxBits - bits);
  while (kraft !== 1 << maxBits) {
    perLength[maxBits]!--;
    for (let bits = maxBits - 1; bits > 0; bits--)
      if (perLength[bits]! > 0) {
        perLength[bits]!--;
        perLength[bits + 1]! += 2;
        break;
      }
    kraft--;
  }
  // Least frequent symbols take the longest codes.
  let next = 0;
  for (let bits = maxBits; bits > 0; bits--) for (let k = perLength[bits]!; k > 0; k--) lengths[used[next++]!] = bits;
  return lengths;
}

/** Canonical codes (RFC 1951 3.2.2), bit-reversed because the stream is written LSB first. */
function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const perLength = new Uint16Array(MAX_CODE_BITS + 1);
  for (const length of lengths) perLength[length]!++;
  perLength[0] = 0;
  const nextCode = new Uint16Array(MAX_CODE_BITS + 1);
  for (let bits = 1, code = 0; bits <= MAX_CODE_BITS; bits++) {
    code = (code + perLength[bits - 1]!) << 1;
    nextCode[bits] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const length = lengths[s]!;
    if (length === 0) continue;
    let code = nextCode[length]!++;
    let reversed = 0;
    for (let i = 0; i < length; i++, code >>= 1) reversed = (reversed << 1) | (code & 1);
    codes[s] = reversed;
  }
  return codes;
}

/** Run-length codes (16, 17, 18) for the concatenated code lengths of both trees, RFC 1951 3.2.7. */
function codeLengthTokens(lengths: Uint8Array): { symbols: number[]; extras: number[] } {
  const symbols: number[] = [];
  const extras: number[] = [];
  for (let i = 0; i < lengths.length; ) {
    const length = lengths[i]!;
    let run = 1;
    while (i + run < lengths.length && lengths[i + run] === length) run++;
    if (length === 0 && run >= 3) {
      const take = Math.min(run, 138);
      symbols.push(take <= 10 ? 17 : 18);
      extras.push(take <= 10 ? take - 3 : take - 11);
      i += take;
    } else if (length !== 0 && run >= 4) {
      // The first length is sent as itself, then repeated 3..6 times.
      const take = Math.min(run - 1, 6);
      symbols.push(length, 16);
      extras.push(0, take - 3);
      i += take + 1;
    } else {
      symbols.push(length);
      extras.push(0);
      i++;
    }
  }
  return { symbols, extras };
}

/** Tokens are literals (< 256) or a match packed as length << 16 | distance. */
function writeBlock(out: BitWriter, tokens: Uint32Array, count: number, final: boolean): void {
  const litlenFrequencies = new Uint32Array(LITLEN_SYMBOLS);
  const distanceFrequencies = new Uint32Array(DISTANCE_SYMBOLS);
  for (let k = 0; k < count; k++) {
    const token = tokens[k]!;
    if (token < 256) litlenFrequencies[token]!++;
    else {
      litlenFrequencies[257 + LENGTH_CODE[token >>> 16]!]!++;
      distanceFrequencies[distanceCode(token & 0xffff)]!++;
    }
  }
  litlenFrequencies[END_OF_BLOCK] = 1;
  const litlenLengths = huffmanLengths(litlenFrequencies, MAX_CODE_BITS);
  const distanceLengths = huffmanLengths(distanceFrequencies, MAX_CODE_BITS);
  const litlenCodes = canonicalCodes(litlenLengths);
  const distanceCodes = canonicalCodes(distanceLengths);

  let hlit = LITLEN_SYMBOLS;
  while (hlit > 257 && litlenLengths[hlit - 1] === 0) hlit--;
  let hdist = DISTANCE_SYMBOLS;
  while (hdist > 1 && distanceLengths[hdist - 1] === 0) hdist--;
  const allLengths = new Uint8Array(hlit + hdist);
  allLengths.set(litlenLengths.subarray(0, hlit), 0);
  allLengths.set(distanceLengths.subarray(0, hdist), hlit);
  const { symbols, extras } = codeLengthTokens(allLengths);
  const codeLengthFrequencies = new Uint32Array(CODE_LENGTH_SYMBOLS);
  for (const symbol of symbols) codeLengthFrequencies[symbol]!++;
  const codeLengthLengths = huffmanLengths(codeLengthFrequencies, MAX_CODE_LENGTH_BITS);
  const codeLengthCodes = canonicalCodes(codeLengthLengths);
  let hclen = CODE_LENGTH_SYMBOLS;
  while (hclen > 4 && codeLengthLengths[CODE_LENGTH_ORDER[hclen - 1]!] === 0) hclen--;

  out.write(final ? 1 : 0, 1);
  out.write(2, 2); // dynamic Huffman
  out.write(hlit - 257, 5);
  out.write(hdist - 1, 5);
  out.write(hclen - 4, 4);
  for (let i = 0; i < hclen; i++) out.write(codeLengthLengths[CODE_LENGTH_ORDER[i]!]!, 3);
  const EXTRA_BITS = [2, 3, 7];
  for (let i = 0; i < symbols.length; i++) {
    const symbol = symbols[i]!;
    out.write(codeLengthCodes[symbol]!, codeLengthLengths[symbol]!);
    if (symbol >= 16) out.write(extras[i]!, EXTRA_BITS[symbol - 16]!);
  }

  for (let k = 0; k < count; k++) {
    const token = tokens[k]!;
    if (token < 256) {
      out.write(litlenCodes[token]!, litlenLengths[token]!);
      continue;
    }
    const length = token >>> 16;
    const lengthCode = LENGTH_CODE[length]!;
    out.write(litlenCodes[257 + lengthCode]!, litlenLengths[257 + lengthCode]!);
    if (LENGTH_EXTRA[lengthCode]) out.write(length - LENGTH_BASE[lengthCode]!, LENGTH_EXTRA[lengthCode]!);
    const distance = token & 0xffff;
    const code = distanceCode(distance);
    out.write(distanceCodes[code]!, distanceLengths[code]!);
    if (DISTANCE_EXTRA[code]) out.write(distance - DISTANCE_BASE[code]!, DISTANCE_EXTRA[code]!);
  }
  out.write(litlenCodes[END_OF_BLOCK]!, litlenLengths[END_OF_BLOCK]!);
}

/** CM 8 (deflate) with a 32 KB window, FLEVEL 0, and the check bits making it a multiple of 31. */
export const ZLIB_HEADER = new Uint8Array([0x78, 0x01]);

const ADLER_MODULUS = 65521;
/** Bytes summed before the modulo can overflow nothing: zlib's NMAX. */
const ADLER_STRETCH = 5552;

/** Adler-32 (RFC 1950), the zlib stream's trailer, kept up to date block by block. */
export class Adler32 {
  private a = 1;
  private b = 0;

  update(data: Uint8Array): void {
    let { a, b } = this;
    for (let start = 0; start < data.length; start += ADLER_STRETCH) {
      const end = Math.min(start + ADLER_STRETCH, data.length);
      for (let i = start; i < end; i++) {
        a += data[i]!;
        b += a;
      }
      a %= ADLER_MODULUS;
      b %= ADLER_MODULUS;
    }
    this.a = a;
    this.b = b;
  }

  /**
   * Appends a block known only by its length, byte sum and weighted sum (each byte times its
   * distance from the block's end, plus one), both mod 65521: A grows by the sum, B by
   * length * A plus the weighted sum. Repeating a line costs nothing this way.
   */
  append(length: number, sum: number, weighted: number): void {
    this.b = (this.b + (length % ADLER_MODULUS) * this.a + weighted) % ADLER_MODULUS;
    this.a = (this.a + sum) % ADLER_MODULUS;
  }

  get value(): number {
    return ((this.b << 16) | this.a) >>> 0;
  }

  /** The checksum as the zlib trailer writes it: big-endian. */
  bytes(): Uint8Array {
    const value = this.value;
    return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
  }
}

/** Positions within a match's reach are hashed into chains (see hashUpTo for the key). */
const HASH_BITS = 15;
const HASH_SHIFT = 32 - HASH_BITS;
const WINDOW_MASK = MAX_DISTANCE - 1;
/** A chain entry that is no position at all. */
const NO_POSITION = -1;
/**
 * Candidates tried per position, and the quarter of that once a match of GOOD_LENGTH is in hand
 * (zlib's level 9 allows 4096 and 32).
 */
const MAX_CHAIN = 128;
const GOOD_LENGTH = 32;
/** zlib's TOO_FAR: a 3-byte match further back than this costs more bits than its literals. */
const TOO_FAR = 4096;
/**
 * A position is coded once this many bytes from it on are known: a longest match and the lazy
 * look one byte further both see a whole MAX_MATCH. Coding lags the lines by this much, so a
 * match can run across the end of a line into the next line or a repeat.
 */
const LOOKAHEAD = MAX_MATCH + 1;
/** Positions stay below 2^31 (Int32Array chains), with room for a window past the end. */
const MAX_STREAM = 2 ** 31 - 4 * MAX_DISTANCE;
/** Runs longer than this share one key. */
const MAX_RUN_KEY = 255;
/** How far a run is followed at once: a long run is not scanned again for every position in it. */
const RUN_SCAN = 16 * MAX_RUN_KEY;

/**
 * The matcher's window and hash chains: about 330 KB that cost more to allocate and zero (about
 * 0.1 ms) than a 500 px code took to compress, so they are kept for the next image.
 * Positions are absolute stream offsets and only the heads are cleared on reuse: a chain is only
 * followed from a head, and every link it reaches was written for the current stream.
 */
interface MatchState {
  /** The stream's most recent bytes. */
  window: Uint8Array;
  /** The newest position per key (see hashUpTo). */
  head: Int32Array;
  /** Each hashed position's previous position with the same hash, at position & WINDOW_MASK. */
  chain: Int32Array;
}

const idleMatchStates: MatchState[] = [];

/** The window holds the 32 KB a match can reach back from the oldest uncoded byte, the uncoded bytes, and a repeat's copies. */
const windowBytes = (stride: number) => 2 * MAX_DISTANCE + 4 * LOOKAHEAD + 4 * stride;

function borrowMatchState(stride: number): MatchState {
  const state = idleMatchStates.pop() ?? { window: new Uint8Array(0), head: new Int32Array(1 << HASH_BITS), chain: new Int32Array(MAX_DISTANCE) };
  if (state.window.length < windowBytes(stride)) state.window = new Uint8Array(windowBytes(stride));
  state.head.fill(NO_POSITION);
  return state;
}

function returnMatchState(state: MatchState): void {
  if (idleMatchStates.length < 2) idleMatchStates.push(state);
}

/**
 * Compresses a sequence of scanlines (each `stride` bytes, filter byte included) into a zlib
 * stream.
 *
 * New lines are matched the way zlib's level 9 does it: positions are hashed into chains over
 * the last 32 KB of the stream, the longest match is taken, and a match is held back one byte in
 * case the next position starts a longer one (lazy matching). In
 * a QR code a module row's pixels repeat earlier rows' (finder and timing rows, the same runs of
 * modules), which matching only the byte before and the line above missed: that cost 17-45% over
 * zlib. A repeated line (a module row repeats its pixel row dotSize times) is never looked at
 * again: its copies become matches one stride back (one byte back for a blank line), its
 * Adler-32 contribution is computed from the line's sums, and of a long repeat only the copies
 * a later match can reach go into the window, with only the bytes around its two ends hashed:
 * the cost of a repeat does not grow with the image. Positions are absolute stream offsets in
 * 32-bit integers, so a stream stops at MAX_STREAM bytes (a 46,000 px square 1-bit image).
 */
export class ScanlineDeflater {
  private readonly out: BitWriter;
  // Grows up to BLOCK_TOKENS: a small image needs a few hundred tokens, not a full block's buffer.
  private tokens = new Uint32Array(1024);
  private count = 0;
  /** The last line added, for repeating it. */
  private readonly previous: Uint8Array;
  private hasPrevious = false;
  /** Whether every byte of the last line is the same, so its repeats can copy from one byte back. */
  private previousIsConstant = false;
  private readonly adler = new Adler32();
  /** The last line's byte sum and position-weighted sum (mod 65521), for repeating it. */
  private lineSum = 0;
  private lineWeighted = 0;

  /** The window and hash chains, borrowed from the pool until finish(). */
  private match: MatchState | null;
  /** Stream positions are absolute offsets; window[i] holds stream byte windowStart + i. */
  private windowStart = 0;
  /** Stream bytes known. */
  private end = 0;
  /** The next stream position to code. */
  private cursor = 0;
  /** The next stream position to hash (positions skipped inside a repeat are never hashed). */
  private hashed = 0;
  /** Where the run of equal bytes holding the last hashed position ends. */
  private runEnd = 0;
  /** Lazy matching's state at `cursor`: whether the byte before it is still to be sent, and the match found there. */
  private held = false;
  private heldLength = MIN_MATCH - 1;
  private heldDistance = 0;

  constructor(readonly stride: number) {
    if (!Number.isInteger(stride) || stride < 1) throw new RangeError("stride must be a positive integer");
    this.previous = new Uint8Array(stride);
    this.match = borrowMatchState(stride);
    this.out = new BitWriter(1024);
    this.out.bytes(ZLIB_HEADER);
  }

  addLine(line: Uint8Array): void {
    const { stride } = this;
    if (line.length !== stride) throw new RangeError(`a line is ${stride} bytes, got ${line.length}`);
    this.append(line, 1);
    this.code(this.end - LOOKAHEAD, false);

    let sum = 0;
    let weighted = 0;
    let constant = true;
    const first = line[0]!;
    for (let i = 0; i < stride; i++) {
      const byte = line[i]!;
      sum += byte;
      weighted += (stride - i) * byte;
      if (byte !== first) constant = false;
    }
    this.lineSum = sum % ADLER_MODULUS;
    this.lineWeighted = weighted % ADLER_MODULUS;
    this.adler.append(stride, this.lineSum, this.lineWeighted);
    this.previous.set(line);
    this.previousIsConstant = constant;
    this.hasPrevious = true;
  }

  /** Repeats the last line `times` more times. */
  repeatLine(times: number): void {
    if (!this.hasPrevious) throw new RangeError("no line to repeat");
    const { stride, previous } = this;
    if (stride > MAX_DISTANCE) {
      const line = previous.slice();
      for (let k = 0; k < times; k++) this.addLine(line);
      return;
    }
    for (let k = 0; k < times; k++) this.adler.append(stride, this.lineSum, this.lineWeighted);
    const repeatStart = this.end;
    const repeatEnd = repeatStart + times * stride;
    if (repeatEnd - repeatStart <= 2 * LOOKAHEAD) {
      // Too short to be worth a fast path: the copies are coded like any line.
      this.append(previous, times);
      this.code(this.end - LOOKAHEAD, false);
      return;
    }
    // Enough copies for the bytes before the repeat to be matched into it, then the bytes before it coded.
    const leadCopies = Math.ceil(LOOKAHEAD / stride) + 1;
    // A later match reaches back 32 KB from the last MAX_MATCH bytes, which are left for the matcher.
    const lastCopies = Math.ceil((MAX_DISTANCE + LOOKAHEAD) / stride) + 1;
    const long = times > leadCopies + lastCopies;
    this.append(previous, long ? leadCopies : times);
    this.code(repeatStart, true);

    // Every byte from the repeat's start on equals the one a stride back (and the one just
    // before, in a line of one byte value). Copies may overlap their source (RFC 1951 3.2.3), so
    // one match spans several lines. The last MAX_MATCH bytes are left for the matcher, which
    // runs them into whatever line comes next.
    const distance = this.previousIsConstant ? 1 : stride;
    const fastEnd = repeatEnd - MAX_MATCH;
    for (let remaining = fastEnd - this.cursor; remaining > 0; ) {
      // Never leave less than a match: lengths are 3..258 (the start is at least 3 before fastEnd).
      const length = remaining > MAX_MATCH ? (remaining - MAX_MATCH < MIN_MATCH ? remaining - MIN_MATCH : MAX_MATCH) : remaining;
      this.token((length << 16) | distance);
      remaining -= length;
    }
    this.cursor = fastEnd;
    if (long) {
      // Nothing before the last copies is within reach any more: the window starts over with them.
      this.windowStart = repeatEnd - lastCopies * stride;
      this.end = this.windowStart;
      this.append(previous, lastCopies);
    }
    // Only the line a stride before the matcher's next position is hashed: it holds every match a
    // copy further back would.
    this.hashed = Math.max(this.hashed, fastEnd - stride);
    this.hashUpTo(fastEnd);
  }

  finish(): Uint8Array {
    if (!this.match) throw new RangeError("the stream is already finished");
    this.code(this.end, true);
    returnMatchState(this.match);
    this.match = null;
    writeBlock(this.out, this.tokens, this.count, true);
    this.count = 0;
    this.out.bytes(this.adler.bytes());
    return this.out.finish();
  }

  private state(): MatchState {
    if (!this.match) throw new RangeError("the stream is already finished");
    return this.match;
  }

  /** Appends `copies` copies of `line`, first sliding out what no match can reach any more. */
  private append(line: Uint8Array, copies: number): void {
    const { window } = this.state();
    const bytes = copies * line.length;
    if (this.end + bytes > MAX_STREAM) throw new RangeError(`a stream holds at most ${MAX_STREAM} bytes`);
    let fill = this.end - this.windowStart;
    if (fill + bytes > window.length) {
      const keepFrom = Math.max(this.windowStart, Math.min(this.cursor, this.hashed) - MAX_DISTANCE);
      window.copyWithin(0, keepFrom - this.windowStart, fill);
      this.windowStart = keepFrom;
      fill = this.end - keepFrom;
      if (fill + bytes > window.length) throw new Error("deflate window overflow");
    }
    window.set(line, fill);
    // Doubling copies: a long repeat takes a few copyWithin calls, not one per line.
    for (let done = line.length; done < bytes; done *= 2) window.copyWithin(fill + done, fill, fill + Math.min(done, bytes - done));
    this.end += bytes;
  }

  /**
   * Hashes positions in order up to (not including) `limit`, as far as their keys are known. A
   * position's key is its byte, how many times it repeats from there (up to 255), and the two
   * bytes after that run: inside the long runs of 0x00 and 0xff that a QR code's rows are made
   * of, a 3-byte key would chain every position of every run together, and the search would
   * wade through hundreds of candidates that all match the same few bytes. Keyed by run length,
   * every candidate matches at least the run and two bytes more; the run's own continuation is
   * checked directly (distance 1).
   */
  private hashUpTo(limit: number): void {
    const { window, head, chain } = this.state();
    const base = this.windowStart;
    const known = this.end - base;
    const last = Math.min(limit, this.end) - base;
    let q = this.hashed - base;
    let runEnd = this.runEnd - base;
    for (; q < last; q++) {
      const byte = window[q]!;
      if (q >= runEnd || (runEnd - q < MAX_RUN_KEY && runEnd < known && window[runEnd] === byte)) {
        // A new run, or a long one followed only so far: find its end (or a good way on).
        runEnd = q + 1;
        while (runEnd < known && runEnd - q < RUN_SCAN && window[runEnd] === byte) runEnd++;
      }
      const run = Math.min(runEnd - q, MAX_RUN_KEY);
      // The run and the two bytes after it must be known; with only the run known, wait for more.
      if (q + run + 1 >= known) {
        runEnd = q;
        break;
      }
      const h = Math.imul((byte << 24) | (run << 16) | (window[q + run]! << 8) | window[q + run + 1]!, 0x9e3779b1) >>> HASH_SHIFT;
      chain[(q + base) & WINDOW_MASK] = head[h]!;
      head[h] = q + base;
    }
    this.hashed = q + base;
    this.runEnd = runEnd + base;
  }

  /**
   * zlib's deflate_slow: codes positions up to `limit` (a match may run past it); with `flush`,
   * what lazy matching still holds is sent too, so the next token can start at the cursor.
   */
  private code(limit: number, flush: boolean): void {
    const { window, chain } = this.state();
    const base = this.windowStart;
    // Window indexes: the next position, where coding stops, the known bytes' end.
    let i = this.cursor - base;
    const stop = limit - base;
    const known = this.end - base;
    let held = this.held;
    let heldLength = this.heldLength;
    let heldDistance = this.heldDistance;
    for (;;) {
      if (i >= stop) {
        if (flush && held) {
          if (heldLength >= MIN_MATCH) {
            this.token((heldLength << 16) | heldDistance);
            i += heldLength - 1;
            // Past the stop are a repeat's copies: the repeat hashes the ones it needs.
            this.hashUpTo(Math.min(i, stop) + base);
          } else this.token(window[i - 1]!);
          held = false;
          heldLength = MIN_MATCH - 1;
        }
        break;
      }
      let length = MIN_MATCH - 1;
      let distance = 0;
      const reach = Math.min(MAX_MATCH, known - i);
      if (heldLength < reach && reach >= MIN_MATCH) {
        // The longest match strictly longer than the one held, nearest first.
        let best = heldLength;
        if (i > 0 && window[i - 1] === window[i]) {
          // Inside a run: its continuation one byte back.
          let n = 1;
          while (n < reach && window[i - 1 + n] === window[i + n]) n++;
          if (n > best) {
            best = n;
            distance = 1;
          }
        }
        this.hashUpTo(i + base + 1);
        if (best < reach && this.hashed > i + base) {
          const lowest = Math.max(0, base + i - MAX_DISTANCE);
          let tries = best >= GOOD_LENGTH ? MAX_CHAIN >> 2 : MAX_CHAIN;
          for (let candidate = chain[(base + i) & WINDOW_MASK]!; candidate >= lowest && tries-- > 0; candidate = chain[candidate & WINDOW_MASK]!) {
            const c = candidate - base;
            if (window[c + best] !== window[i + best] || window[c] !== window[i]) continue;
            let n = 1;
            while (n < reach && window[c + n] === window[i + n]) n++;
            if (n > best) {
              best = n;
              distance = i - c;
              if (n === reach) break;
            }
          }
        }
        if (best > heldLength && best >= MIN_MATCH && !(best === MIN_MATCH && distance > TOO_FAR)) length = best;
      }
      if (heldLength >= MIN_MATCH && length <= heldLength) {
        // The match held at i - 1 is at least as long: send it and hash what it covers.
        this.token((heldLength << 16) | heldDistance);
        i += heldLength - 1;
        this.hashUpTo(Math.min(i, stop) + base);
        held = false;
        heldLength = MIN_MATCH - 1;
        continue;
      }
      if (held) this.token(window[i - 1]!);
      held = true;
      heldLength = length;
      heldDistance = distance;
      i++;
    }
    this.cursor = i + base;
    this.held = held;
    this.heldLength = heldLength;
    this.heldDistance = heldDistance;
  }

  private token(token: number): void {
    if (this.count === this.tokens.length && this.count < BLOCK_TOKENS) {
      const bigger = new Uint32Array(this.count * 2);
      bigger.set(this.tokens);
      this.tokens = bigger;
    }
    this.tokens[this.count++] = token;
    if (this.count === BLOCK_TOKENS) {
      writeBlock(this.out, this.tokens, this.count, false);
      this.count = 0;
    }
  }
}
