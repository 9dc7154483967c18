/** Small valid media files for upload tests, built in memory (no fixture files to keep in sync). */

/** A WAV file: 8 kHz, 8-bit mono silence, `samples` long (8000 is one second). */
export function wavFixture(samples = 800): Uint8Array {
  const data = new Uint8Array(44 + samples).fill(128);
  const view = new DataView(data.buffer);
  const ascii = (text: string, at: number) => data.set(new TextEncoder().encode(text), at);
  ascii("RIFF", 0);
  view.setUint32(4, data.length - 8, true);
  ascii("WAVEfmt ", 8);
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, 8000, true); // sample rate
  view.setUint32(28, 8000, true); // byte rate
  view.setUint16(32, 1, true); // block align
  view.setUint16(34, 8, true); // bits per sample
  ascii("data", 36);
  view.setUint32(40, samples, true);
  return data;
}

/** A minimal PDF header and trailer: what the upload sniffer reads. */
export const PDF_FIXTURE = new TextEncoder().encode("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
