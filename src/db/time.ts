// Moved to src/lib/time.ts (one timestamp helper for every layer). Kept only while work begun
// against this path lands; delete once nothing imports it.
export { isoNow } from "../lib/time";
