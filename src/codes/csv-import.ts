import { InvalidInput } from "../lib/invalid-input";

/**
 * The CSV import's reading side: an RFC 4180 parser fed the body chunk by chunk as it arrives (a
 * record is complete once its line ends outside quotes, so nothing waits for the whole body), and
 * the mapping of a row to a code body, which the route validates like any create.
 *
 * Columns (the header row names them, in any order):
 * - `name`, `type`: the code's own fields; `tags`: its tags, separated by commas;
 * - `content`: a JSON object of content fields (for those that are not text, e.g. a list's links);
 * - `appearance.<field>`, `limits.<field>`: one design or limit field each, its cell read as JSON
 *   when it is JSON (`4`, `true`) and as text otherwise (`#0f172a`);
 * - any other name: a content field of the row's type, as text (`url`, `text`, `ssid`, …).
 * An empty cell is a field left out (it takes its default).
 */

export interface CsvRecord {
  /** The line the record starts on, counting the header as line 1 (a quoted field may span lines). */
  line: number;
  cells: string[];
  /** Set when the record breaks RFC 4180 (a quote inside an unquoted field, a quote left open). */
  malformed?: string;
}

/** An incremental RFC 4180 reader: `push` text as it arrives, `end` once the body has. */
export class CsvReader {
  private cells: string[] = [];
  private cell = "";
  private quoted = false;
  /** Inside a quoted field; `quoteSeen`: its last character was a quote (closing it, or the first of "" ). */
  private inQuotes = false;
  private quoteSeen = false;
  /** The previous character was a CR: an LF after it ends nothing more. */
  private afterCr = false;
  private malformed: string | undefined;
  private line = 1;
  private recordLine = 1;
  private started = false;

  push(text: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    for (const char of text) {
      const afterCr = this.afterCr;
      this.afterCr = char === "\r";
      // CRLF: the record (or the line inside a quoted field) already ended at CR.
      if (afterCr && char === "\n" && !this.inQuotes) continue;
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (char === '"') {
            this.cell += '"';
            continue;
          }
          this.inQuotes = false; // the quote closed the field: handle this character as unquoted
        } else if (char === '"') {
          this.quoteSeen = true;
          continue;
        } else {
          if (char === "\r" || (char === "\n" && !afterCr)) this.line++;
          this.cell += char;
          this.started = true;
          continue;
        }
      }
      if (char === ",") this.endCell();
      else if (char === "\n" || char === "\r") {
        const record = this.endRecord();
        if (record) records.push(record);
        this.line++;
        this.recordLine = this.line;
      } else if (char === '"') {
        if (this.cell === "" && !this.quoted) {
          this.inQuotes = true;
          this.quoted = true;
        } else {
          this.malformed ??= "a quote inside an unquoted field (quote the whole field and double the quotes in it)";
          this.cell += char;
        }
        this.started = true;
      } else {
        if (this.quoted) this.malformed ??= "text after a quoted field's closing quote";
        this.cell += char;
        this.started = true;
      }
    }
    return records;
  }

  /** The last record, when the body does not end with a line break. */
  end(): CsvRecord[] {
    if (this.inQuotes && !this.quoteSeen) this.malformed ??= "a quoted field is never closed";
    this.inQuotes = false;
    const record = this.endRecord();
    return record ? [record] : [];
  }

  private endCell(): void {
    this.cells.push(this.cell);
    this.cell = "";
    this.quoted = false;
    this.started = true;
  }

  private endRecord(): CsvRecord | null {
    const blank = !this.started && this.cell === "";
    this.endCell();
    const record: CsvRecord = { line: this.recordLine, cells: this.cells, ...(this.malformed ? { malformed: this.malformed } : {}) };
    this.cells = [];
    this.malformed = undefined;
    this.started = false;
    // A blank line is no record (spreadsheets leave them at the end).
    return blank ? null : record;
  }
}

const SECTIONS = ["appearance", "limits"] as const;

/** The header's columns checked once: names present, none twice. */
export function checkHeader(cells: readonly string[]): string[] {
  const names = cells.map((cell, i) => (i === 0 ? cell.replace(/^\uFEFF/, "") : cell).trim());
  const issues = [];
  if (names.some((name) => name === "")) issues.push({ field: "header", message: "every column needs a name (the first row names the fields: name,type,url,…)" });
  const seen = new Set<string>();
  for (const name of names) {
    if (name !== "" && seen.has(name)) issues.push({ field: "header", message: `the column ${name} appears twice` });
    seen.add(name);
  }
  if (!seen.has("name")) issues.push({ field: "header", message: "a name column is required" });
  if (issues.length > 0) throw new InvalidInput(issues);
  return names;
}

/** Sets a field as an own property, so a column named `__proto__` is a field (refused as unknown), never a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A cell of an appearance or limits column: JSON when it reads as JSON, text otherwise. */
function sectionValue(cell: string): unknown {
  try {
    return JSON.parse(cell);
  } catch {
    return cell;
  }
}

/** A row as the body a create would send; InvalidInput for what no body could say. */
export function rowToBody(header: readonly string[], record: CsvRecord): Record<string, unknown> {
  if (record.malformed) throw new InvalidInput([{ field: "", message: `line ${record.line}: ${record.malformed}` }]);
  if (record.cells.length !== header.length)
    throw new InvalidInput([{ field: "", message: `line ${record.line}: ${record.cells.length} cells where the header names ${header.length} columns` }]);
  const body: Record<string, unknown> = {};
  const content: Record<string, unknown> = {};
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [i, name] of header.entries()) {
    const cell = record.cells[i]!;
    if (cell === "") continue;
    const [section, field] = name.split(/\.(.*)/s) as [string, string | undefined];
    if (field !== undefined && (SECTIONS as readonly string[]).includes(section)) setOwn((sections[section] ??= {}), field, sectionValue(cell));
    else if (name === "name" || name === "type") body[name] = cell;
    // A tag holds no comma (tags.ts), so one cell lists them: "menu, terrace".
    else if (name === "tags") body.tags = cell.split(",").map((tag) => tag.trim()).filter((tag) => tag !== "");
    else if (name === "content") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(cell);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InvalidInput([{ field: "content", message: "the content column holds a JSON object" }]);
      for (const [key, value] of Object.entries(parsed)) setOwn(content, key, value);
    } else setOwn(content, name, cell);
  }
  return { ...body, content, ...sections };
}
