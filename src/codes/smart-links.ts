import { z } from "zod";
import { isHttpUrl } from "../lib/urls";
import { COUNTRY_CODES } from "./countries";

/**
 * Smart links, additive fields of dynamic codes: routing rules and A/B variants (`routing`) and
 * UTM parameters (`utm`). Validated here at write time, and evaluated by the pure functions at the
 * bottom at the edge from the redirect record alone (no storage read on the redirect path).
 *
 * Order on a scan: the code's limits (validity, budget) first; then the first rule that matches
 * picks the destination; when none does, the variants pick one (per visitor and day); otherwise
 * the code's own target. UTM parameters are merged into whichever http(s) destination that is
 * (never into our own pages or files, nor into a limit's fallbackUrl).
 */

/** A code password's bounds (codes/code-password.ts hashes and checks it). */
export const CODE_PASSWORD_MIN_LENGTH = 4;
export const CODE_PASSWORD_MAX_LENGTH = 128;

export const MAX_RULES = 20;
export const MAX_VARIANTS = 10;
const MAX_VALUES = 50;
const MAX_LABEL = 60;

export const DEVICE_OS = ["ios", "android", "other"] as const;
export type DeviceOs = (typeof DEVICE_OS)[number];
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Weekday = (typeof WEEKDAYS)[number];

const Url = z.string().max(2048).refine(isHttpUrl, "must be an absolute http:// or https:// URL");
const Label = z.string().trim().min(1, "must not be empty").max(MAX_LABEL).nullable().default(null);

/** A condition's values: null (or left out) places no condition; an empty list could never match. */
const values = <T extends z.ZodType>(value: T, max = MAX_VALUES) => z.array(value).min(1, "must list at least one value (leave the field out to match any)").max(max).nullable().default(null);

const Country = z
  .string()
  .transform((code) => code.toUpperCase())
  .refine((code) => COUNTRY_CODES.has(code), { error: (issue) => `unknown country code ${JSON.stringify(issue.input)} (ISO 3166-1 alpha-2, e.g. DE)` });

/** A BCP 47 language tag, stored canonical and lower case ("deu" is "de", as browsers send it); "de" also matches "de-AT". */
const Language = z
  .string()
  .max(35)
  .refine((tag) => /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(tag) && canonicalLocale(tag) !== null, { error: (issue) => `unknown language tag ${JSON.stringify(issue.input)} (BCP 47, e.g. de or pt-BR)` })
  .transform((tag) => canonicalLocale(tag)!.toLowerCase());

function canonicalLocale(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const START_OF_WINDOW = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Local hours on some weekdays in a time zone. `from` later than `until` runs past midnight (22:00
 * to 06:00), and then `days` names the day it starts on.
 */
export const WindowSchema = z
  .object({
    days: values(z.enum(WEEKDAYS), 7),
    from: z.string().regex(START_OF_WINDOW, "must be a time of day HH:MM (00:00 to 23:59)").default("00:00"),
    until: z.string().regex(TIME_OF_DAY, "must be a time of day HH:MM (00:01 to 24:00)").default("24:00"),
    timeZone: z.string().max(64).refine(isTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)} (an IANA name such as Europe/Berlin)` }),
  })
  .superRefine((window, ctx) => {
    if (typeof window.from === "string" && typeof window.until === "string" && TIME_OF_DAY.test(window.from) && TIME_OF_DAY.test(window.until) && minutesOf(window.from) === minutesOf(window.until))
      ctx.addIssue({ code: "custom", path: ["until"], message: "must differ from from: the window would be empty" });
  });

export const RuleSchema = z
  .object({
    name: Label,
    url: Url,
    os: values(z.enum(DEVICE_OS), 3),
    countries: values(Country, 250),
    languages: values(Language),
    window: WindowSchema.nullable().default(null),
  })
  .superRefine((rule, ctx) => {
    if (rule.os === null && rule.countries === null && rule.languages === null && rule.window === null)
      ctx.addIssue({ code: "custom", path: [], message: "must have at least one condition (os, countries, languages or window)" });
  });
export type Rule = z.output<typeof RuleSchema>;

export const VariantSchema = z.object({
  name: Label,
  /** null: the code's own target (the control of a test). */
  url: Url.nullable().default(null),
  weight: z.number().int().min(1).max(100),
});
export type Variant = z.output<typeof VariantSchema>;

export const RoutingSchema = z
  .object({
    rules: z.array(RuleSchema).max(MAX_RULES, `must have at most ${MAX_RULES} rules`).default([]),
    variants: z.array(VariantSchema).max(MAX_VARIANTS, `must have at most ${MAX_VARIANTS} variants`).default([]),
  })
  .superRefine((routing, ctx) => {
    // Also run when a field failed (zod keeps going): then a list may be anything that was sent.
    if (!Array.isArray(routing.rules) || !Array.isArray(routing.variants)) return;
    if (routing.variants.length === 1) ctx.addIssue({ code: "custom", path: ["variants"], message: "must have at least two variants (or none)" });
    const total = routing.variants.reduce((sum, variant) => sum + (typeof variant?.weight === "number" ? variant.weight : 0), 0);
    if (routing.variants.length > 1 && total !== 100) ctx.addIssue({ code: "custom", path: ["variants"], message: `weights must add up to 100 (they add up to ${total})` });
    for (const [field, labels] of [["rules", routing.rules.map((rule, i) => ruleLabel(rule ?? {}, i))], ["variants", routing.variants.map((variant, i) => variantLabel(variant ?? {}, i))]] as const) {
      const seen = new Set<string>(field === "rules" ? [DEFAULT_RULE] : []);
      for (const [i, label] of labels.entries()) {
        if (seen.has(label)) ctx.addIssue({ code: "custom", path: [field, i, "name"], message: label === DEFAULT_RULE && field === "rules" ? `must not be "${DEFAULT_RULE}": analytics name scans that no rule matched so` : `must be unique: ${JSON.stringify(label)} names an earlier one` });
        seen.add(label);
      }
    }
  });
export type Routing = z.output<typeof RoutingSchema>;

export const hasRouting = (routing: Routing | null | undefined): routing is Routing => !!routing && (routing.rules.length > 0 || routing.variants.length > 0);

const UtmValue = z.string().trim().min(1, "must not be empty").max(200).nullable().default(null);
export const UtmSchema = z.object({ source: UtmValue, medium: UtmValue, campaign: UtmValue, term: UtmValue, content: UtmValue });
export type Utm = z.output<typeof UtmSchema>;
export const NO_UTM: Utm = { source: null, medium: null, campaign: null, term: null, content: null };
export const hasUtm = (utm: Utm | null | undefined): utm is Utm => !!utm && Object.values(utm).some((value) => value !== null);

/** The rule label of a scan no rule matched (so no rule may be named so). */
export const DEFAULT_RULE = "default";

/** How analytics name a rule or a variant: its name, else its place ("rule 2", "B"). */
export const ruleLabel = (rule: Partial<Pick<Rule, "name">>, index: number) => (typeof rule.name === "string" ? rule.name : `rule ${index + 1}`);
export const variantLabel = (variant: Partial<Pick<Variant, "name">>, index: number) => (typeof variant.name === "string" ? variant.name : String.fromCharCode(65 + index));

// At the edge: pure evaluation from the request's facts.

/** What the edge knows of a request, read once (see scanFacts). */
export interface ScanFacts {
  os: DeviceOs;
  /** Cloudflare's `request.cf.country`, upper case; null when unknown. */
  country: string | null;
  /** The preferred language of `Accept-Language`, lower case; null when none. */
  language: string | null;
  now: number;
}

/**
 * The device's OS from its User-Agent, by the tokens every iOS and Android browser sends. iPadOS
 * in its default desktop mode reads as a Mac and is "other" (its User-Agent says nothing else).
 */
export function deviceOs(agent: string): DeviceOs {
  if (/\b(?:iPhone|iPad|iPod)\b|\bCPU (?:iPhone )?OS \d/.test(agent)) return "ios";
  if (/\bAndroid\b/i.test(agent)) return "android";
  return "other";
}

/** The entry of Accept-Language with the highest q (the first among equals), `*` and q=0 skipped. */
export function preferredLanguage(header: string | null): string | null {
  if (!header) return null;
  let best: { tag: string; q: number } | null = null;
  // Long headers are cut at the last whole entry before 1,000 characters, never inside one.
  const text = header.length <= 1000 ? header : header.slice(0, header.lastIndexOf(",", 1000) + 1);
  for (const part of text.split(",")) {
    const [tag, ...params] = part.trim().split(";");
    if (!tag || tag === "*" || !/^[a-z]{1,8}(-[a-z0-9]{1,8})*$/i.test(tag)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    if (!best || q > best.q) best = { tag: tag.toLowerCase(), q };
  }
  return best?.tag ?? null;
}

export function scanFacts(request: Request, now: number): ScanFacts {
  const country = (request as { cf?: { country?: unknown } }).cf?.country;
  return {
    os: deviceOs(request.headers.get("User-Agent") ?? ""),
    country: typeof country === "string" && country !== "" ? country.toUpperCase() : null,
    language: preferredLanguage(request.headers.get("Accept-Language")),
    now,
  };
}

const localClocks = new Map<string, Intl.DateTimeFormat>();
const localMinutes = new Map<string, { minuteStart: number; time: { day: Weekday; minute: number } }>();
/**
 * The weekday and minute of the day at `now` in `zone`. Formatters are kept per zone (building one
 * costs more than using it), and the answer per zone for the minute it holds (every zone's offset
 * is whole minutes): a busy code's scans format the time once a minute, not once each.
 */
function localTime(zone: string, now: number): { day: Weekday; minute: number } {
  const minuteStart = now - (now % 60_000);
  const known = localMinutes.get(zone);
  if (known?.minuteStart === minuteStart) return known.time;
  let clock = localClocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    localClocks.set(zone, clock);
  }
  const parts = Object.fromEntries(clock.formatToParts(now).map((part) => [part.type, part.value]));
  const time = { day: String(parts.weekday).slice(0, 3).toLowerCase() as Weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
  localMinutes.set(zone, { minuteStart, time });
  return time;
}

export function inWindow(window: NonNullable<Rule["window"]>, now: number): boolean {
  const { day, minute } = localTime(window.timeZone, now);
  const from = minutesOf(window.from);
  const until = minutesOf(window.until);
  const onDay = (d: Weekday) => window.days === null || window.days.includes(d);
  if (from < until) return onDay(day) && minute >= from && minute < until;
  // Past midnight: the evening part on a listed day, or the morning part after one.
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
  return (minute >= from && onDay(day)) || (minute < until && onDay(yesterday));
}

const languageMatches = (wanted: string, preferred: string | null) => preferred !== null && (preferred === wanted || preferred.startsWith(`${wanted}-`));

export function ruleMatches(rule: Rule, facts: ScanFacts): boolean {
  if (rule.os !== null && !rule.os.includes(facts.os)) return false;
  if (rule.countries !== null && (facts.country === null || !rule.countries.includes(facts.country))) return false;
  if (rule.languages !== null && !rule.languages.some((wanted) => languageMatches(wanted, facts.language))) return false;
  return rule.window === null || inWindow(rule.window, facts.now);
}

/**
 * A visitor's place in 0..99 for a code: FNV-1a of the visitor's daily key and the code's id.
 * The key is already a keyed hash that changes every day, so the place is stable for the day and
 * uniform; mixing in the code keeps one visitor's variants of different codes independent.
 */
export function variantBucket(visitorKey: string, codeId: string): number {
  let hash = 0x811c9dc5;
  const text = `${visitorKey}\n${codeId}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV-1a alone leaves the last characters (the code's id) poorly mixed: two codes' places for
  // the same visitors agreed on a 50/50 split up to 64% of the time instead of 50%. MurmurHash3's
  // finalizer spreads every input bit over the whole hash before the remainder is taken.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % 100;
}

/** The variant whose share of 0..99 holds the bucket (weights add up to 100). */
export function variantAt(variants: readonly Variant[], bucket: number): number {
  let upTo = 0;
  for (const [i, variant] of variants.entries()) {
    upTo += variant.weight;
    if (bucket < upTo) return i;
  }
  return variants.length - 1;
}

const UTM_PARAMETERS = ["source", "medium", "campaign", "term", "content"] as const;

/**
 * The destination with the code's UTM parameters: ours replace a parameter of the same name in
 * the target (the code's campaign is the deliberate, per-code setting; a target URL is often
 * copied from elsewhere), every other parameter and the fragment stay as they are.
 */
export function withUtm(destination: string, utm: Utm | undefined): string {
  if (!utm || !/^https?:/i.test(destination) || !UTM_PARAMETERS.some((name) => utm[name] !== null)) return destination;
  // The same record (kept in isolate memory) asks for the same few URLs on every scan.
  let known = mergedUrls.get(utm);
  if (!known) mergedUrls.set(utm, (known = new Map()));
  const hit = known.get(destination);
  if (hit !== undefined) return hit;
  const url = new URL(destination);
  for (const name of UTM_PARAMETERS) if (utm[name] !== null) url.searchParams.set(`utm_${name}`, utm[name]!);
  const merged = url.toString();
  if (known.size < 64) known.set(destination, merged);
  return merged;
}
const mergedUrls = new WeakMap<Utm, Map<string, string>>();

/** Where a scan goes and why: the rule or variant (by label) that chose it; `rule` is "default" when the code has rules and none matched, null when it has none. */
export interface Destination {
  location: string;
  /** The destination before the UTM parameters: what destination health checks. */
  target: string;
  rule: string | null;
  variant: string | null;
}

/**
 * The destination of a scan of a code whose limits let it through. `visitorKey` is asked for only
 * when variants must choose (it costs one HMAC).
 */
export async function chooseDestination(
  target: string,
  codeId: string,
  routing: Routing | undefined,
  utm: Utm | undefined,
  facts: ScanFacts,
  visitorKey: () => Promise<string>,
): Promise<Destination> {
  let chosen: Omit<Destination, "target"> = { location: target, rule: null, variant: null };
  if (routing) {
    const ruleIndex = routing.rules.findIndex((rule) => ruleMatches(rule, facts));
    const noRule = routing.rules.length > 0 ? DEFAULT_RULE : null;
    if (ruleIndex >= 0) chosen = { location: routing.rules[ruleIndex]!.url, rule: ruleLabel(routing.rules[ruleIndex]!, ruleIndex), variant: null };
    else if (routing.variants.length > 0) {
      const i = variantAt(routing.variants, variantBucket(await visitorKey(), codeId));
      chosen = { location: routing.variants[i]!.url ?? target, rule: noRule, variant: variantLabel(routing.variants[i]!, i) };
    } else chosen = { ...chosen, rule: noRule };
  }
  return { ...chosen, target: chosen.location, location: withUtm(chosen.location, utm) };
}
