import catalog from "./actions.json";

/**
 * Actions a bearer API key or an AccessKey may be granted, RAM-style (`service:Action`). The
 * catalog is JSON so that the admin CLI (plain Node, scripts/admin.mjs) reads the very same list
 * for its help and cannot drift from what the server accepts.
 */
export type KnownAction = keyof typeof catalog;
export type ActionAccess = "read" | "write";

export const ACTION_CATALOG: Readonly<Record<KnownAction, { access: ActionAccess; summary: string }>> = catalog as Record<KnownAction, { access: ActionAccess; summary: string }>;
export const KNOWN_ACTIONS = Object.keys(catalog) as [KnownAction, ...KnownAction[]];

/**
 * What a bearer key is granted when its creator names no actions: everything its role can use.
 * A read-only key gets every read action (a write action would be refused by the role anyway).
 */
export function defaultActionsFor(role: "read-only" | "read-write"): KnownAction[] {
  return KNOWN_ACTIONS.filter((action) => role === "read-write" || ACTION_CATALOG[action].access === "read");
}

/** What an AccessKey is granted when its creator names no actions: every message QR code action (the only API it signs). */
export const DEFAULT_ACCESS_KEY_ACTIONS: KnownAction[] = KNOWN_ACTIONS.filter((action) => action.startsWith("cams:"));
