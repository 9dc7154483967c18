import type { Appearance } from "../qr";
import type { Limits } from "./limits";
import type { Routing, Utm } from "./smart-links";
import type { QrCodeType } from "./types";

/** A code as the application sees it: what D1 stores (src/db/qr-codes.ts maps the rows). */
export interface QrCodeRecord {
  id: string;
  orgId: string;
  name: string;
  type: QrCodeType;
  content: Record<string, unknown>;
  appearance: Appearance;
  limits: Limits | null;
  /** Smart links (codes/smart-links.ts): null when the code has no rule and no variant. */
  routing: Routing | null;
  /** null when the code sets no UTM parameter. */
  utm: Utm | null;
  /** The code password's PBKDF2 hash (codes/code-password.ts); null when the code has none. */
  passwordHash: string | null;
  /** Its destinations' health as the cron last found it (codes/destination-health.ts); null before the first check. Not editable. */
  health: DestinationHealth | null;
  /** Normalised, distinct and sorted (src/codes/tags.ts). */
  tags: string[];
  logoFileId: string | null;
  /** Kept for the life of the code; exposed only while the type is dynamic. */
  shortToken: string | null;
  createdBy: string | null;
  version: number;
  scans: number;
  views: number;
  /** Human visits of the share link (/s/{token}), apart from scans of the image. */
  clicks: number;
  createdAt: string;
  updatedAt: string;
}

/** What a create or replace sets, after validation: a complete description (PUT replaces). */
export interface CodeInput {
  name: string;
  type: QrCodeType;
  content: Record<string, unknown>;
  appearance: Appearance;
  /** null when no limit is set (the representation then shows every field null). */
  limits: Limits | null;
  /** null when the code has no rule and no variant. */
  routing: Routing | null;
  /** null when the code sets no UTM parameter; left out (undefined): the organization's defaults (withUtmDefaults). */
  utm?: Utm | null;
  /**
   * The password as a request sent it (write-only): a string sets it, null removes it, left out
   * keeps the current one. Never stored: completeInput (codes/writes.ts) turns it into passwordHash.
   */
  password?: string | null;
  /** Set by completeInput from `password`; left out: the code keeps its current hash (none for a new code). */
  passwordHash?: string | null;
  /** Normalised, distinct and sorted (src/codes/tags.ts). */
  tags: string[];
}

/** A dynamic code's destinations as the cron's checks last found them (codes/destination-health.ts). */
export interface DestinationHealth {
  status: "unknown" | "ok" | "broken";
  /** The latest check of any of the code's destinations. */
  checkedAt: string | null;
  /** Since when the first of its broken destinations has been broken; null when none is. */
  brokenSince: string | null;
  /** The latest check's answer: of a broken destination when there is one, else the latest. */
  lastAnswer: { url: string; status: number | null; error: string | null; at: string } | null;
  /** Destinations broken now. */
  brokenUrls: string[];
}
