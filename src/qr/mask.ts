import { functionModules } from "./codewords";

/**
 * Data-mask selection (ISO/IEC 18004 7.8), done here instead of inside lean-qr.
 *
 * lean-qr places the codewords and then, for each of the eight masks, builds a fresh symbol
 * through per-module callbacks and scores it: about 0.25 ms of a 0.37 ms encode for a typical
 * URL. Here the symbol is generated once with mask 0; every other mask is that symbol with the
 * data modules flipped where mask 0 and the candidate disagree, plus its own format information,
 * scored in flat loops. The penalty is lean-qr's own (the same rules, edge handling and tie-break
 * to the lowest mask), so the chosen symbol is exactly the one lean-qr would have chosen; the
 * tests compare both over a corpus.
 */

/** Masks as ISO 18004 Table 10 defines them: a module is flipped where the condition holds. */
const MASK_CONDITIONS: readonly ((row: number, col: number) => boolean)[] = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

interface SymbolLayout {
  size: number;
  /** per mask, 1 where that mask and mask 0 flip differently (data modules only) */
  flipFromMask0: Uint8Array[];
  /** module indices of format bit 0..14, first copy then second copy */
  formatIndex: Int32Array;
}

// One layout per version in use: 9 x size² bytes each, 280 KB at version 40, 4.3 MB if all 40 are cached.
const layouts = new Map<number, SymbolLayout>();

function layoutFor(version: number): SymbolLayout {
  const cached = layouts.get(version);
  if (cached) return cached;
  const { isFunction } = functionModules(version);
  const size = version * 4 + 17;
  // Only data modules (codewords and remainder bits) are masked.
  const isData = isFunction.map((f) => 1 - f);
  const flipFromMask0 = MASK_CONDITIONS.map((condition) => {
    const flips = new Uint8Array(size * size);
    for (let row = 0; row < size; row++)
      for (let col = 0; col < size; col++) {
        const index = row * size + col;
        flips[index] = isData[index]! & (+condition(row, col) ^ +MASK_CONDITIONS[0]!(row, col));
      }
    return flips;
  });
  const formatIndex = new Int32Array(30);
  const at = (row: number, col: number) => row * size + col;
  for (let bit = 0; bit < 15; bit++) {
    // First copy around the top-left finder, skipping the timing pattern (ISO 18004 Figure 25).
    formatIndex[bit] = bit <= 5 ? at(bit, 8) : bit === 6 ? at(7, 8) : bit === 7 ? at(8, 8) : bit === 8 ? at(8, 7) : at(8, 14 - bit);
    // Second copy: bits 0..7 along row 8 from the right, bits 8..14 down column 8 at the bottom.
    formatIndex[15 + bit] = bit < 8 ? at(8, size - 1 - bit) : at(size - 15 + bit, 8);
  }
  const layout = { size, flipFromMask0, formatIndex };
  layouts.set(version, layout);
  return layout;
}

/** The 15-bit format word as drawn in the first copy (around the top-left finder). */
export function readFormatWord(modules: Uint8Array, version: number): number {
  const { formatIndex } = layoutFor(version);
  let word = 0;
  for (let bit = 0; bit < 15; bit++) word |= modules[formatIndex[bit]!]! << bit;
  return word;
}

/** BCH(15,5) format word for a level's two-bit indicator and a mask, XOR 0x5412. */
export function formatWord(levelBits: number, mask: number): number {
  const data = (levelBits << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | (rem & 0x3ff)) ^ 0x5412;
}

/** N1 score by run length so far: 3 when a run reaches five, 1 for each module after that. */
const RUN_SCORE = new Uint8Array(178).fill(1);
RUN_SCORE.fill(0, 0, 5);
RUN_SCORE[5] = 3;
const FINDER_LIKE = 0x2e805d;

/**
 * lean-qr's penalty score (MIT, David Evans), unminified: N1 runs of five or more, N3 the
 * 1:1:3:1:1 finder look-alike with four light modules on one side (two automata in one bit
 * register), N2 2x2 blocks, N4 dark proportion. Written without data-dependent branches: the
 * candidates are near-random bits, and mispredicted branches made it six times slower.
 */
export function penalty(modules: Uint8Array, size: number): number {
  let score = 0;
  let dark = 0;
  for (let line = 0; line < size; line++) {
    for (let direction = 0; direction < 2; direction++) {
      const start = direction ? line * size : line;
      const step = direction ? 1 : size;
      let register = 0;
      let run = 0;
      let last = modules[start]!;
      for (let k = 0, index = start; k < size; k++, index += step) {
        const module = modules[index]!;
        dark += module;
        register = ((register >> 1) | 0x200400) & (FINDER_LIKE ^ (module - 1));
        score += 40 * ((register | (register >> 11)) & 1);
        run = 1 + run * (1 - (module ^ last));
        last = module;
        score += RUN_SCORE[run]!;
      }
    }
    if (line > 0)
      for (let index = size + line; index < size * size; index += size) {
        const colour = modules[index]!;
        const differs = (modules[index - 1]! ^ colour) | (modules[index - size]! ^ colour) | (modules[index - size - 1]! ^ colour);
        score += 3 * (1 - differs);
      }
  }
  // Every module was counted twice (once per direction).
  return score + 10 * Math.floor(10 * Math.abs(dark / (size * size) - 1));
}

/**
 * Given a symbol drawn with mask 0 and the level's format indicator, returns the symbol with the
 * best-scoring mask (the lowest mask on ties) and that mask.
 */
export function chooseMask(masked0: Uint8Array, version: number, levelBits: number): { modules: Uint8Array; mask: number } {
  const { size, flipFromMask0, formatIndex } = layoutFor(version);
  let best: Uint8Array = masked0;
  let bestMask = 0;
  let bestScore = Infinity;
  const candidate = new Uint8Array(size * size);
  for (let mask = 0; mask < 8; mask++) {
    const flips = flipFromMask0[mask]!;
    for (let i = 0; i < candidate.length; i++) candidate[i] = masked0[i]! ^ flips[i]!;
    const word = formatWord(levelBits, mask);
    for (let bit = 0; bit < 15; bit++) candidate[formatIndex[bit]!] = candidate[formatIndex[15 + bit]!] = (word >> bit) & 1;
    const score = penalty(candidate, size);
    if (score < bestScore) {
      bestScore = score;
      bestMask = mask;
      best = candidate.slice();
    }
  }
  return { modules: best, mask: bestMask };
}
