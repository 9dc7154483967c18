// The console session (POST/GET/DELETE /session, POST /session/password) through the generated
// client: the cookie it sets is HttpOnly, so script never holds the token.
import { api, type components, problemMessage, violationsOf } from "./api";

export type Session = components["schemas"]["ConsoleSession"];
export type Role = Session["user"]["role"];

export interface Refusal {
  status: number;
  detail: string;
  /** Seconds to wait (429), from Retry-After. */
  retryAfter?: number;
  violations: Map<string, string>;
}

export type Outcome = { ok: true; session: Session } | { ok: false; refusal: Refusal };

function outcome(result: { data?: Session; error?: unknown; response: Response }): Outcome {
  if (result.data) return { ok: true, session: result.data };
  const retry = Number(result.response.headers.get("Retry-After"));
  return {
    ok: false,
    refusal: {
      status: result.response.status,
      detail: problemMessage(result.error, result.response),
      retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
      violations: violationsOf(result.error),
    },
  };
}

export const signIn = async (email: string, password: string) => outcome(await api.POST("/session", { body: { email, password } }));
export const setPassword = async (token: string, password: string) => outcome(await api.POST("/session/password", { body: { token, password } }));

/** The signed-in session, or null when there is none (401). */
export async function currentSession(): Promise<Session | null> {
  const { data } = await api.GET("/session");
  return data ?? null;
}

export async function signOut(): Promise<void> {
  await api.DELETE("/session");
}

/** "2 minutes", "45 seconds": how long a person waits after too many failed sign-ins. */
export function waitInWords(seconds: number): string {
  if (seconds >= 90) return `${Math.ceil(seconds / 60)} minutes`;
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}
