import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import {
  concatTransformationMatrix,
  drawObject,
  PDFDocument,
  PDFHexString,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  StandardFonts,
  type PDFFont,
  type PDFPage,
  type PDFRef,
} from "pdf-lib";
import { csvRecord } from "./csv";

/**
 * A print run's children as files for a printer: a ZIP of one image per code (streamed, one code
 * drawn at a time) and a PDF sheet of labelled codes in a grid. Nothing here knows D1 or HTTP: the
 * children and the function that draws one come in (print-runs.ts, code-image.ts), so layout and
 * packaging are tested on their own.
 */

/** What a sheet or an archive needs of a child. */
export interface SheetItem {
  serial: number;
  label: string;
  id: string;
  /** What the image encodes (its short link). */
  text: string;
}

/** The file name of a child in the ZIP: its serial, zero-padded so names sort as the run does, and its label. */
export function entryName(item: Pick<SheetItem, "serial" | "label">, digits: number, extension: string): string {
  // A label may say anything; in a path it must not make a folder, climb out of one or hide a control character.
  const safe = item.label.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, "_").replace(/^\.+/, "_");
  return `${String(item.serial).padStart(digits, "0")} ${safe}.${extension}`;
}

/** The index every archive ends with: which file is which code. */
const INDEX_NAME = "index.csv";
const INDEX_HEADER = ["serial", "label", "file", "id", "dynamic_url"];

/**
 * The ZIP as a stream: each pull draws the next child and hands its file to fflate, so the Worker
 * holds one image at a time, not the run. PNGs are already deflated: they are stored as they are
 * (ZipPassThrough, no second compression); SVGs are deflated (level 6).
 */
export function zipStream(items: AsyncIterable<SheetItem>, format: "png" | "svg", draw: (item: SheetItem) => Promise<Uint8Array>, digits: number): ReadableStream<Uint8Array> {
  const iterator = items[Symbol.asyncIterator]();
  const index: string[] = [csvRecord(INDEX_HEADER)];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const zip = new Zip((err, chunk, final) => {
    if (err) return controller.error(err);
    controller.enqueue(chunk);
    if (final) controller.close();
  });
  const add = (name: string, bytes: Uint8Array, compress: boolean) => {
    const file = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    zip.add(file);
    file.push(bytes, true);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull() {
        const next = await iterator.next();
        if (next.done) {
          add(INDEX_NAME, new TextEncoder().encode(index.join("")), true);
          zip.end();
          return;
        }
        const item = next.value;
        const name = entryName(item, digits, format);
        add(name, await draw(item), format === "svg");
        index.push(csvRecord([item.serial, item.label, name, item.id, item.text]));
      },
      async cancel() {
        zip.terminate();
        await iterator.return?.();
      },
    },
    // One file's chunks at a time: the next code is drawn when the client has read this one.
    { highWaterMark: 1 },
  );
}

export type Paper = "a4" | "letter";

/** Page sizes in PDF points (1/72 inch). */
const PAPER: Record<Paper, { width: number; height: number }> = {
  a4: { width: 595.28, height: 841.89 },
  letter: { width: 612, height: 792 },
};

const POINTS_PER_MM = 72 / 25.4;
/** Page margin: 12 mm, inside what office printers cannot reach (about 5 mm). */
const MARGIN = 12 * POINTS_PER_MM;
/** Room between cells, for scissors. */
const GUTTER = 6 * POINTS_PER_MM;
const LABEL_SIZE = 9;
const MIN_LABEL_SIZE = 6;
const LABEL_GAP = 3;
const FOOTER_SIZE = 7;
/** Pixels per inch of each code's image: what print shops ask for. */
export const SHEET_DPI = 300;

/** The bounds of a code's printed side: 2 cm is the least a phone reads from arm's length. */
export const MIN_CODE_MM = 20;
export const MAX_CODE_MM = 100;

export interface SheetLayout {
  paper: Paper;
  columns: number;
  rows: number;
  perPage: number;
  /** The code's printed side, in points. */
  side: number;
  /** Pixels of each code's image: its side at SHEET_DPI. */
  pixels: number;
  /** Where cell `i` (0-based on its page) puts its code's lower-left corner. */
  cell(i: number): { x: number; y: number };
}

/** The grid of a sheet: as many codes of `codeMm` as fit, each with a line for its label under it, centred. */
export function sheetLayout(paper: Paper, codeMm: number): SheetLayout {
  const { width, height } = PAPER[paper];
  const side = codeMm * POINTS_PER_MM;
  const cellHeight = side + LABEL_GAP + LABEL_SIZE + GUTTER;
  const usableHeight = height - 2 * MARGIN - FOOTER_SIZE - GUTTER;
  const columns = Math.max(1, Math.floor((width - 2 * MARGIN + GUTTER) / (side + GUTTER)));
  const rows = Math.max(1, Math.floor((usableHeight + GUTTER) / cellHeight));
  const left = (width - (columns * side + (columns - 1) * GUTTER)) / 2;
  const top = height - MARGIN;
  return {
    paper,
    columns,
    rows,
    perPage: columns * rows,
    side,
    pixels: Math.ceil((codeMm / 25.4) * SHEET_DPI),
    cell: (i) => ({ x: left + (i % columns) * (side + GUTTER), y: top - Math.floor(i / columns) * cellHeight - side }),
  };
}

/**
 * The standard PDF fonts draw WinAnsi (Latin-1 and a few more): a character outside it is drawn
 * as "?" on the sheet (the ZIP's file names and index keep every label exactly).
 */
function printable(font: PDFFont, text: string): string {
  let out = "";
  for (const ch of text) {
    try {
      font.encodeText(ch);
      out += ch;
    } catch {
      out += "?";
    }
  }
  return out;
}

/** The label at 9 pt, smaller down to 6 pt when it is wider than its code, then cut with an ellipsis. */
function fitLabel(font: PDFFont, text: string, width: number): { text: string; size: number } {
  for (let size = LABEL_SIZE; size >= MIN_LABEL_SIZE; size -= 0.5) if (font.widthOfTextAtSize(text, size) <= width) return { text, size };
  let cut = Array.from(text);
  while (cut.length > 1 && font.widthOfTextAtSize(`${cut.join("")}…`, MIN_LABEL_SIZE) > width) cut = cut.slice(0, -1);
  return { text: `${cut.join("")}…`, size: MIN_LABEL_SIZE };
}

/** What a PDF needs to show a PNG's compressed pixels as they are: its header, palette and joined IDAT data. */
interface PngPixels {
  width: number;
  height: number;
  bitDepth: number;
  /** 2: RGB; 3: indexed (with `palette`). */
  colorType: 2 | 3;
  palette: Uint8Array | null;
  /** The zlib stream of filtered lines, as PDF's FlateDecode with PNG predictors reads it. */
  data: Uint8Array;
}

/**
 * The PNGs our renderer writes (indexed or RGB, no alpha, not interlaced) split into what a PDF
 * image holds; null for any other PNG. PDF reads PNG's compressed, filtered lines directly
 * (FlateDecode, /Predictor 15), so a sheet embeds each code without decoding and deflating it
 * again, which is what pdf-lib's embedPng does (measured: 55 of its 57 ms a code).
 */
export function pngPixels(png: Uint8Array): PngPixels | null {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.length < 33 || view.getUint32(0) !== 0x89504e47 || view.getUint32(4) !== 0x0d0a1a0a) return null;
  let header: Omit<PngPixels, "palette" | "data"> | null = null;
  let palette: Uint8Array | null = null;
  const data: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      const colorType = body[9]!;
      // compression 0, filter 0, interlace 0 (Adam7 lines are not what a predictor reads).
      if ((colorType !== 2 && colorType !== 3) || body[10] !== 0 || body[11] !== 0 || body[12] !== 0 || (colorType === 2 && body[8] !== 8)) return null;
      header = { width: view.getUint32(at + 8), height: view.getUint32(at + 12), bitDepth: body[8]!, colorType };
    } else if (type === "PLTE") palette = body;
    else if (type === "tRNS") return null; // transparency: pdf-lib's path makes its soft mask
    else if (type === "IDAT") data.push(body);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  if (!header || data.length === 0 || (header.colorType === 3 && !palette)) return null;
  const joined = new Uint8Array(data.reduce((n, part) => n + part.length, 0));
  data.reduce((offset, part) => (joined.set(part, offset), offset + part.length), 0);
  return { ...header, palette, data: joined };
}

/** Draws `png` in the square at (x, y): its compressed lines as they are when pngPixels reads them, through pdf-lib otherwise. */
async function drawPng(doc: PDFDocument, page: PDFPage, png: Uint8Array, x: number, y: number, side: number): Promise<void> {
  const pixels = pngPixels(png);
  if (!pixels) {
    page.drawImage(await doc.embedPng(png), { x, y, width: side, height: side });
    return;
  }
  const { width, height, bitDepth, colorType, palette, data } = pixels;
  const colorSpace =
    colorType === 2 ? "DeviceRGB" : ["Indexed", "DeviceRGB", palette!.length / 3 - 1, PDFHexString.of(Array.from(palette!, (b) => b.toString(16).padStart(2, "0")).join(""))];
  const colors = colorType === 2 ? 3 : 1;
  const image: PDFRef = doc.context.register(
    doc.context.stream(data, {
      Type: "XObject",
      Subtype: "Image",
      Width: width,
      Height: height,
      BitsPerComponent: bitDepth,
      ColorSpace: colorSpace,
      Filter: "FlateDecode",
      DecodeParms: { Predictor: 15, Colors: colors, BitsPerComponent: bitDepth, Columns: width },
    }),
  );
  const name = page.node.newXObject("Image", image);
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(side, 0, 0, side, x, y), drawObject(name), popGraphicsState());
}

/**
 * The PDF sheet: each code as a PNG of `layout.pixels` (300 dpi at its printed size) with its
 * label centred under it, and the run's name and page number in the footer. pdf-lib builds the
 * document in memory (a PDF's cross-reference table comes last), so the run's size is bounded
 * by the route.
 */
export async function pdfSheet(items: AsyncIterable<SheetItem>, layout: SheetLayout, title: string, draw: (item: SheetItem) => Promise<Uint8Array>): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setProducer("edge-qr");
  doc.setCreator("edge-qr print run");
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const { width, height } = PAPER[layout.paper];
  const footer = printable(font, Array.from(title).slice(0, 100).join(""));
  let page = null;
  let onPage = 0;
  let pages = 0;
  for await (const item of items) {
    if (page === null || onPage === layout.perPage) {
      page = doc.addPage([width, height]);
      pages++;
      onPage = 0;
      page.drawText(`${footer} · page ${pages}`, { x: MARGIN, y: MARGIN, size: FOOTER_SIZE, font, color: rgb(0.4, 0.4, 0.4) });
    }
    const { x, y } = layout.cell(onPage++);
    await drawPng(doc, page, await draw(item), x, y, layout.side);
    const label = fitLabel(font, printable(font, item.label), layout.side);
    const labelWidth = font.widthOfTextAtSize(label.text, label.size);
    page.drawText(label.text, { x: x + (layout.side - labelWidth) / 2, y: y - LABEL_GAP - label.size, size: label.size, font, color: rgb(0, 0, 0) });
  }
  if (pages === 0) doc.addPage([width, height]);
  return doc.save({ useObjectStreams: true });
}
