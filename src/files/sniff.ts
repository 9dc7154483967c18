/**
 * Media types decided by the bytes, never by the client's Content-Type or extension. Only the
 * types some purpose accepts are recognised; anything else (HTML, SVG, scripts, executables) is
 * null and refused.
 */

export type FilePurpose = "logo" | "audio" | "file";
export const FILE_PURPOSES: readonly FilePurpose[] = ["logo", "audio", "file"];

const KiB = 1024;
const MiB = 1024 * KiB;

/** Per-purpose size caps, enforced while the upload streams. */
export const MAX_BYTES: Record<FilePurpose, number> = { logo: 512 * KiB, audio: 20 * MiB, file: 25 * MiB };

export const MEDIA = {
  png: "image/png",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  ogg: "audio/ogg",
  wav: "audio/wav",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  odp: "application/vnd.oasis.opendocument.presentation",
  doc: "application/msword",
  xls: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
  ole: "application/vnd.ms-office",
  zip: "application/zip",
} as const;

const OFFICE = [MEDIA.docx, MEDIA.xlsx, MEDIA.pptx, MEDIA.odt, MEDIA.ods, MEDIA.odp, MEDIA.doc, MEDIA.xls, MEDIA.ppt, MEDIA.ole];

export const ALLOWED_MEDIA_TYPES: Record<FilePurpose, ReadonlySet<string>> = {
  logo: new Set([MEDIA.png, MEDIA.jpeg]),
  audio: new Set([MEDIA.mp3, MEDIA.m4a, MEDIA.ogg, MEDIA.wav]),
  file: new Set([MEDIA.pdf, MEDIA.png, MEDIA.jpeg, MEDIA.gif, MEDIA.webp, ...OFFICE, MEDIA.zip]),
};

/** Human-readable lists for error messages and the API description. */
export const ALLOWED_DESCRIPTION: Record<FilePurpose, string> = {
  logo: "PNG or JPEG",
  audio: "MP3, M4A, OGG or WAV",
  file: "PDF, PNG, JPEG, GIF, WebP, Word/Excel/PowerPoint (OOXML or legacy), OpenDocument or ZIP",
};

/** How many leading bytes the sniffer wants (fewer is fine for short files). */
export const SNIFF_BYTES = 64 * KiB;

const ascii = (bytes: Uint8Array, start: number, length: number): string => String.fromCharCode(...bytes.subarray(start, start + length));
const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

/**
 * The media type of a file from its first bytes (up to SNIFF_BYTES), or null when it is none we
 * accept. `fileName` only picks among the legacy Office types once the bytes have proved an OLE
 * compound file (telling doc from xls needs the whole directory, which the head does not hold).
 */
export function sniffMediaType(head: Uint8Array, fileName = ""): string | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return MEDIA.png;
  if (startsWith(head, [0xff, 0xd8, 0xff])) return MEDIA.jpeg;
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return MEDIA.gif;
  if (ascii(head, 0, 4) === "RIFF" && head.length >= 12) {
    const form = ascii(head, 8, 4);
    if (form === "WEBP") return MEDIA.webp;
    if (form === "WAVE") return MEDIA.wav;
    return null;
  }
  if (ascii(head, 0, 5) === "%PDF-") return MEDIA.pdf;
  if (ascii(head, 0, 4) === "OggS") return MEDIA.ogg;
  if (ascii(head, 4, 4) === "ftyp" && head.length >= 12) return M4A_BRANDS.has(ascii(head, 8, 4)) ? MEDIA.m4a : null;
  if (ascii(head, 0, 3) === "ID3" && head.length >= 10) return MEDIA.mp3;
  if (isMpegAudioFrame(head)) return MEDIA.mp3;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return sniffZip(head);
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    const extension = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
    return extension === "doc" ? MEDIA.doc : extension === "xls" ? MEDIA.xls : extension === "ppt" ? MEDIA.ppt : MEDIA.ole;
  }
  return null;
}

/** ISO base media brands that mean audio (or the generic brands audio files are written with). */
const M4A_BRANDS = new Set(["M4A ", "M4B ", "M4P ", "isom", "iso2", "mp41", "mp42", "dash"]);

/** An MPEG-1/2/2.5 Layer I-III frame header: sync bits and no reserved field values. */
function isMpegAudioFrame(head: Uint8Array): boolean {
  if (head.length < 4 || head[0] !== 0xff || (head[1]! & 0xe0) !== 0xe0) return false;
  const version = (head[1]! >> 3) & 0b11;
  const layer = (head[1]! >> 1) & 0b11;
  const bitrate = head[2]! >> 4;
  const sampleRate = (head[2]! >> 2) & 0b11;
  // Layer bits 00 are reserved (AAC's ADTS header uses them, and it is not MP3).
  return version !== 0b01 && layer !== 0b00 && bitrate !== 0b1111 && sampleRate !== 0b11;
}

/**
 * OOXML and OpenDocument are ZIP archives: read the local file header names in the head.
 * OOXML starts with `[Content_Types].xml` and has `word/`, `xl/` or `ppt/` entries; OpenDocument
 * starts with an uncompressed `mimetype` entry holding its media type.
 */
function sniffZip(head: Uint8Array): string {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const names: string[] = [];
  for (let at = 0; at + 30 <= head.length && names.length < 64; ) {
    at = indexOfSignature(head, at);
    if (at < 0 || at + 30 > head.length) break;
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    if (at + 30 + nameLength > head.length) break;
    const name = ascii(head, at + 30, nameLength);
    names.push(name);
    if (names.length === 1 && name === "mimetype") {
      const method = view.getUint16(at + 8, true);
      const size = view.getUint32(at + 18, true);
      const start = at + 30 + nameLength + extraLength;
      if (method === 0 && size < 100 && start + size <= head.length) {
        const declared = ascii(head, start, size);
        if (declared === MEDIA.odt || declared === MEDIA.ods || declared === MEDIA.odp) return declared;
      }
    }
    at += 30 + nameLength;
  }
  if (names.includes("[Content_Types].xml")) {
    if (names.some((n) => n.startsWith("word/"))) return MEDIA.docx;
    if (names.some((n) => n.startsWith("xl/"))) return MEDIA.xlsx;
    if (names.some((n) => n.startsWith("ppt/"))) return MEDIA.pptx;
  }
  return MEDIA.zip;
}

function indexOfSignature(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(0x50, from); i >= 0 && i + 4 <= bytes.length; i = bytes.indexOf(0x50, i + 1))
    if (bytes[i + 1] === 0x4b && bytes[i + 2] === 0x03 && bytes[i + 3] === 0x04) return i;
  return -1;
}

/** Types a browser shows without running anything: served inline; everything else is an attachment. */
const INLINE_SAFE = new Set<string>([MEDIA.png, MEDIA.jpeg, MEDIA.gif, MEDIA.webp, MEDIA.mp3, MEDIA.m4a, MEDIA.ogg, MEDIA.wav]);
export const isInlineSafe = (mediaType: string): boolean => INLINE_SAFE.has(mediaType);

const EXTENSIONS: Record<string, readonly string[]> = {
  [MEDIA.png]: ["png"],
  [MEDIA.jpeg]: ["jpg", "jpeg", "jpe", "jfif"],
  [MEDIA.gif]: ["gif"],
  [MEDIA.webp]: ["webp"],
  [MEDIA.mp3]: ["mp3"],
  [MEDIA.m4a]: ["m4a", "m4b", "mp4", "aac"],
  [MEDIA.ogg]: ["ogg", "oga", "opus"],
  [MEDIA.wav]: ["wav"],
  [MEDIA.pdf]: ["pdf"],
  [MEDIA.docx]: ["docx"],
  [MEDIA.xlsx]: ["xlsx"],
  [MEDIA.pptx]: ["pptx"],
  [MEDIA.odt]: ["odt"],
  [MEDIA.ods]: ["ods"],
  [MEDIA.odp]: ["odp"],
  [MEDIA.doc]: ["doc"],
  [MEDIA.xls]: ["xls"],
  [MEDIA.ppt]: ["ppt"],
  [MEDIA.ole]: ["doc", "xls", "ppt", "msg"],
  [MEDIA.zip]: ["zip"],
};

/**
 * The name a download is saved under: the client's name, with the extension of the sniffed type
 * appended when the name claims another (a PNG uploaded as `report.pdf` saves as
 * `report.pdf.png`, so nothing opens it as what it is not).
 */
export function downloadName(fileName: string, mediaType: string): string {
  const known = EXTENSIONS[mediaType];
  if (!known) return fileName;
  const extension = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  return extension && known.includes(extension) ? fileName : `${fileName}.${known[0]}`;
}
