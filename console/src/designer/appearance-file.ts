// Export and import of a design as a JSON file: the appearance object exactly as the API answers
// it, so a file exported here can be imported into another code, sent to PUT /qr_codes/{id} or
// kept in a repository.
import type { Appearance } from "./engine";

/** Offers `blob` as a download named `filename` (an object URL on a link, clicked, then let go). */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL is no longer needed once this task ends.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file name from a code's name: letters and digits, dashes between. */
export function fileSlug(name: string): string {
  return (
    name
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80) || "qr-code"
  );
}

export function exportAppearance(appearance: Appearance, codeName: string): void {
  saveFile(new Blob([`${JSON.stringify(appearance, null, 2)}\n`], { type: "application/json" }), `${fileSlug(codeName)}-appearance.json`);
}

/**
 * A file's appearance object, read but not validated: the API validates it when it is saved (its
 * violations are shown at their fields). Only what is not a JSON object is refused here.
 */
export async function readAppearanceFile(file: File): Promise<{ appearance: Record<string, unknown> } | { error: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await file.text());
  } catch {
    return { error: `${file.name} is not JSON` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { error: `${file.name} does not hold an appearance object` };
  // An export of a whole code (GET /qr_codes/{id}) holds its appearance one level down.
  const inner = (parsed as Record<string, unknown>).appearance;
  const appearance = typeof inner === "object" && inner !== null && !Array.isArray(inner) ? inner : parsed;
  return { appearance: appearance as Record<string, unknown> };
}
