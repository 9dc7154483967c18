import { luminance } from "../qr";

/**
 * A hosted page's colours: the code's hostedPageBackgroundColor and hostedPagePrimaryColor, each
 * paired with black or white text, whichever contrasts more (WCAG 2 ratio), so any colour the
 * owner picks stays readable. The result is one `:root{…}` rule: only #rrggbb values reach it,
 * so nothing a user wrote can end up in CSS.
 */

const HEX = /^#[0-9a-fA-F]{6}$/;

export interface Theme {
  background: string | null;
  primary: string | null;
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Black or white, whichever is more readable on `background`. */
export function readableTextOn(background: string): "#000000" | "#ffffff" {
  return contrastRatio(background, "#000000") >= contrastRatio(background, "#ffffff") ? "#000000" : "#ffffff";
}

const validHex = (value: unknown): string | null => (typeof value === "string" && HEX.test(value) ? value.toLowerCase() : null);

export function themeOf(content: Record<string, unknown>): Theme {
  return { background: validHex(content.hostedPageBackgroundColor), primary: validHex(content.hostedPagePrimaryColor) };
}

/** The CSS that overrides the stylesheet's defaults, or null when the code keeps them. */
export function themeCss(theme: Theme): string | null {
  const rules: string[] = [];
  if (theme.background) rules.push(`--bg:${theme.background}`, `--fg:${readableTextOn(theme.background)}`);
  if (theme.primary) rules.push(`--primary:${theme.primary}`, `--on-primary:${readableTextOn(theme.primary)}`);
  return rules.length ? `:root{${rules.join(";")}}` : null;
}

/** The CSP source for an inline `<style>` whose text is exactly `css`. */
export async function styleHashSource(css: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(css)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}
