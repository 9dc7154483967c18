import { strFromU8, unzipSync } from "fflate";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { labelOf, labelsOf, letters } from "../../src/codes/print-labels";
import { entryName, MAX_CODE_MM, MIN_CODE_MM, pdfSheet, pngPixels, sheetLayout, zipStream, type SheetItem } from "../../src/codes/print-sheet";
import { InvalidInput } from "../../src/lib/invalid-input";

/** Print-run labels and packaging, without D1 or a renderer (the worker test decodes real ones). */

const items = (n: number): AsyncIterable<SheetItem> =>
  (async function* () {
    for (let i = 1; i <= n; i++) yield { serial: i, label: `Table ${i}`, id: `id-${i}`, text: `https://qr.test/r/tok${i}` };
  })();

/** A 1x1 white PNG: the packaging does not look inside the images it is given. */
const PIXEL = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"), (c) => c.charCodeAt(0));

describe("labels", () => {
  it("numbers, pads and letters serials", () => {
    expect([1, 26, 27, 52, 53, 702, 703].map(letters)).toEqual(["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]);
    expect(labelOf("Table {n}", 7)).toBe("Table 7");
    expect(labelOf("Seat {n:3}", 7)).toBe("Seat 007");
    expect(labelOf("Batch {A} / {a} #{n}", 28)).toBe("Batch AB / ab #28");
    expect(labelOf("{x} {n:0} {", 3)).toBe("{x} {n:0} {");
  });

  it("refuses labels that could not tell children apart or print under a code", () => {
    const fieldOf = (spec: Parameters<typeof labelsOf>[0]) => {
      try {
        labelsOf(spec);
        return null;
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInput);
        return (err as InvalidInput).issues.map((issue) => issue.field);
      }
    };
    expect(fieldOf({ count: 2, pattern: "Same", start: 1 })).toEqual(["labelPattern"]);
    expect(fieldOf({ count: 1, pattern: "Only one", start: 1 })).toBeNull();
    expect(fieldOf({ count: 2, pattern: `${"x".repeat(60)}{n:9}`, start: 1 })).toEqual(["labelPattern"]);
    expect(fieldOf({ labels: ["A", "B", "A", " "] })).toEqual(["labels.3", "labels.2"]);
  });
});

describe("sheetLayout", () => {
  it("fits codes of at least 2 cm inside the margins of A4 and Letter, drawn at 300 dpi", () => {
    for (const paper of ["a4", "letter"] as const) {
      const page = paper === "a4" ? { width: 595.28, height: 841.89 } : { width: 612, height: 792 };
      for (const mm of [MIN_CODE_MM, 30, 40, 60, MAX_CODE_MM]) {
        const layout = sheetLayout(paper, mm);
        expect(layout.side).toBeCloseTo((mm / 25.4) * 72, 6);
        expect(layout.pixels).toBe(Math.ceil((mm / 25.4) * 300));
        for (let i = 0; i < layout.perPage; i++) {
          const { x, y } = layout.cell(i);
          expect(x).toBeGreaterThanOrEqual(30);
          expect(x + layout.side).toBeLessThanOrEqual(page.width - 30);
          expect(y + layout.side).toBeLessThanOrEqual(page.height - 30);
          expect(y - 12).toBeGreaterThanOrEqual(30); // its label's line, above the footer
        }
      }
    }
    expect(sheetLayout("a4", 40)).toMatchObject({ columns: 4, rows: 5, perPage: 20 });
    expect(sheetLayout("a4", 20)).toMatchObject({ columns: 7, rows: 8, perPage: 56 });
  });
});

describe("zipStream", () => {
  it("draws one child per pull, names files by serial and label, and ends with an index", async () => {
    let drawn = 0;
    const stream = zipStream(items(3), "png", async () => (drawn++, PIXEL), 3);
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    const first = await reader.read();
    chunks.push(first.value!);
    // Pulled once: the first file, not the run.
    expect(drawn).toBeLessThanOrEqual(2);
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    expect(drawn).toBe(3);
    const joined = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
    chunks.reduce((at, chunk) => (joined.set(chunk, at), at + chunk.length), 0);
    const files = unzipSync(joined);
    expect(Object.keys(files)).toEqual(["001 Table 1.png", "002 Table 2.png", "003 Table 3.png", "index.csv"]);
    expect(files["002 Table 2.png"]).toEqual(PIXEL);
    expect(strFromU8(files["index.csv"]!)).toBe("serial,label,file,id,dynamic_url\r\n1,Table 1,001 Table 1.png,id-1,https://qr.test/r/tok1\r\n2,Table 2,002 Table 2.png,id-2,https://qr.test/r/tok2\r\n3,Table 3,003 Table 3.png,id-3,https://qr.test/r/tok3\r\n");
  });

  it("keeps a label from making folders or hiding control characters in a file name", () => {
    expect(entryName({ serial: 4, label: "../etc/passwd" }, 3, "svg")).toBe("004 __etc_passwd.svg");
    expect(entryName({ serial: 12, label: "a\\b:c\u0000" }, 4, "png")).toBe("0012 a_b_c_.png");
    expect(entryName({ serial: 1, label: "Κήπος" }, 3, "png")).toBe("001 Κήπος.png");
  });
});

describe("pdfSheet", () => {
  it("puts one image and its label per cell, a page per grid's worth", async () => {
    const layout = sheetLayout("a4", 40);
    const bytes = await pdfSheet(items(21), layout, "Menu cards", async () => PIXEL);
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(2);
    expect(doc.getTitle()).toBe("Menu cards");
  });

  it("embeds the renderer's PNGs as they are, and any other PNG through pdf-lib", async () => {
    expect(pngPixels(PIXEL)).toMatchObject({ width: 1, height: 1, bitDepth: 8, colorType: 2, palette: null });
    // The same pixel with an alpha channel (colour type 6): a PDF image needs a soft mask for it.
    const RGBA = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4//8/AwAI/AL+hc2rNAAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
    expect(pngPixels(RGBA)).toBeNull();
    expect(pngPixels(new Uint8Array(40))).toBeNull();
    const doc = await PDFDocument.load(await pdfSheet(items(2), sheetLayout("a4", 40), "Mixed", async (item) => (item.serial === 1 ? PIXEL : RGBA)));
    expect(doc.getPageCount()).toBe(1);
  });

  it("makes an empty sheet for an empty run rather than a broken file", async () => {
    const doc = await PDFDocument.load(await pdfSheet(items(0), sheetLayout("letter", 40), "Empty", async () => PIXEL));
    expect(doc.getPageCount()).toBe(1);
  });
});
