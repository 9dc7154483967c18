import type { EccLevel } from "./encode";
import { alignmentPositions, blockStructure, moduleCount } from "./tables";

/**
 * Which Reed-Solomon block each data module belongs to, so that covering modules (a centre image)
 * can be checked against what each block can correct. -1 marks function patterns and remainder bits.
 */
export interface CodewordMap {
  size: number;
  /** codeword index (interleaved order) per module, -1 where no codeword lives */
  codewordAt: Int32Array;
  /** block index of each interleaved codeword */
  blockOfCodeword: Int32Array;
  blocks: number;
  /** errors each block can correct: floor(ec codewords / 2) */
  correctablePerBlock: number;
  /** modules of the format information (both copies); losing them loses the whole symbol */
  formatModules: Uint8Array;
  /** modules of the alignment patterns; some decoders anchor their sampling grid on every one */
  alignmentModules: Uint8Array;
}

export function functionModules(version: number): { isFunction: Uint8Array; isFormat: Uint8Array; isAlignment: Uint8Array } {
  const size = moduleCount(version);
  const isFunction = new Uint8Array(size * size);
  const isFormat = new Uint8Array(size * size);
  const isAlignment = new Uint8Array(size * size);
  const mark = (row: number, col: number, format = false) => {
    if (row < 0 || col < 0 || row >= size || col >= size) return;
    isFunction[row * size + col] = 1;
    if (format) isFormat[row * size + col] = 1;
  };
  // Finder patterns with their separators.
  for (const [r0, c0] of [[0, 0], [0, size - 8], [size - 8, 0]] as const)
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) mark(r0 + r, c0 + c);
  // Timing patterns.
  for (let i = 0; i < size; i++) {
    mark(6, i);
    mark(i, 6);
  }
  // Alignment patterns, except where they would overlap the finders.
  const align = alignmentPositions(version);
  const last = align.length - 1;
  align.forEach((r, i) =>
    align.forEach((c, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dr = -2; dr <= 2; dr++)
        for (let dc = -2; dc <= 2; dc++) {
          mark(r + dr, c + dc);
          isAlignment[(r + dr) * size + c + dc] = 1;
        }
    }),
  );
  // Format information: around the top-left finder, and split between the other two; dark module.
  for (let i = 0; i <= 8; i++) {
    mark(8, i, true);
    mark(i, 8, true);
  }
  for (let i = 0; i < 8; i++) {
    mark(8, size - 1 - i, true);
    mark(size - 1 - i, 8, true);
  }
  // Undo the timing-pattern cells that the loops above re-flagged as format.
  isFormat[6 * size + 8] = 0;
  isFormat[8 * size + 6] = 0;
  isFormat[(size - 8) * size + 8] = 0; // the dark module, not format information
  // Version information (version 7 and up): two 6x3 blocks.
  if (version >= 7)
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 3; j++) {
        mark(i, size - 11 + j);
        mark(size - 11 + j, i);
      }
  return { isFunction, isFormat, isAlignment };
}

export function codewordMap(version: number, level: EccLevel): CodewordMap {
  const size = moduleCount(version);
  const { isFunction, isFormat, isAlignment } = functionModules(version);
  const structure = blockStructure(version, level);
  const codewordAt = new Int32Array(size * size).fill(-1);
  const dataBits = structure.totalCodewords * 8;
  // The zigzag of ISO 18004 7.7.3: two-module columns from the right, alternating up and down,
  // skipping the vertical timing pattern.
  let bit = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let v = 0; v < size; v++) {
      const row = upward ? size - 1 - v : v;
      for (let j = 0; j < 2; j++) {
        const col = right - j;
        const index = row * size + col;
        if (isFunction[index] || bit >= dataBits) continue;
        codewordAt[index] = bit >> 3;
        bit++;
      }
    }
  }
  // Interleaving: data codewords column by column across blocks, then error-correction codewords
  // the same way. Seen as blocks padded to equal length, a short block's gap sits just before its
  // error-correction codewords.
  const blockOfCodeword = new Int32Array(structure.totalCodewords);
  const { blocks, shortBlocks, shortBlockLength, ecCodewordsPerBlock } = structure;
  let k = 0;
  for (let i = 0; i <= shortBlockLength; i++)
    for (let b = 0; b < blocks; b++) {
      if (i === shortBlockLength - ecCodewordsPerBlock && b < shortBlocks) continue;
      blockOfCodeword[k++] = b;
    }
  return {
    size,
    codewordAt,
    blockOfCodeword,
    blocks,
    correctablePerBlock: Math.floor(ecCodewordsPerBlock / 2),
    formatModules: isFormat,
    alignmentModules: isAlignment,
  };
}

/** Damaged codewords per block when the given modules are unreadable. */
export function damagePerBlock(map: CodewordMap, covered: (row: number, col: number) => boolean): number[] {
  const damaged = new Set<number>();
  for (let row = 0; row < map.size; row++)
    for (let col = 0; col < map.size; col++) {
      const codeword = map.codewordAt[row * map.size + col]!;
      if (codeword >= 0 && covered(row, col)) damaged.add(codeword);
    }
  const perBlock = new Array<number>(map.blocks).fill(0);
  for (const codeword of damaged) perBlock[map.blockOfCodeword[codeword]!]!++;
  return perBlock;
}
