// The console session (POST/GET/DELETE /session, POST /session/password), as the console
// contract describes it. Plain fetch until those routes are in openapi.json: then these calls
// move to the generated client in api.ts like every other one.
export type Role = "owner" | "editor" | "viewer";

export interface Session {
  user: { id: string; name: string; email: string; role: Role };
  organization: { id: string; name: string };
  expiresAt: string;
}

export interface Refusal {
  status: number;
  detail: string;
  /** Seconds to wait (429), from Retry-After. */
  retryAfter?: number;
  violations: Map<string, string>;
}

export type Outcome = { ok: true; session: Session } | { ok: false; refusal: Refusal };

async function refusalOf(response: Response): Promise<Refusal> {
  let body: { detail?: string; violations?: { propertyPath: string; message: string }[] } = {};
  try {
    body = await response.json();
  } catch {
    // not problem+json: the status says enough
  }
  const retry = Number(response.headers.get("Retry-After"));
  return {
    status: response.status,
    detail: body.detail ?? `The server answered ${response.status}`,
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
    violations: new Map((body.violations ?? []).map((v) => [v.propertyPath, v.message])),
  };
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function outcome(response: Response): Promise<Outcome> {
  return response.ok ? { ok: true, session: (await response.json()) as Session } : { ok: false, refusal: await refusalOf(response) };
}

export const signIn = async (email: string, password: string) => outcome(await send("POST", "/session", { email, password }));
export const setPassword = async (token: string, password: string) => outcome(await send("POST", "/session/password", { token, password }));

/** The signed-in session, or null when there is none (401). */
export async function currentSession(): Promise<Session | null> {
  const response = await send("GET", "/session");
  return response.ok ? ((await response.json()) as Session) : null;
}

export async function signOut(): Promise<void> {
  await send("DELETE", "/session");
}

/** "2 minutes", "45 seconds": how long a person waits after too many failed sign-ins. */
export function waitInWords(seconds: number): string {
  if (seconds >= 90) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minutes`;
  }
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}
