import { isoNow } from "../db/time";

/** ISO 8601 with +00:00, as every timestamp of the platform (expiries fall on whole seconds). */
export const isoAt = (ms: number): string => isoNow(new Date(ms));
