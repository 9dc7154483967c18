import { useState } from "preact/hooks";
import { FieldFrame, Notice } from "../components/field";
import { type Refusal, type Session, signIn, waitInWords } from "../session";

/** The message for a refused sign-in: the API's words, and for 429 how long to wait. */
export function refusalText(refusal: Refusal): string {
  if (refusal.status === 429)
    return refusal.retryAfter ? `Too many failed sign-ins. Try again in ${waitInWords(refusal.retryAfter)}.` : "Too many failed sign-ins. Try again later.";
  return refusal.detail;
}

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await signIn(email, password);
      if (result.ok) onSignedIn(result.session);
      else setError(refusalText(result.refusal));
    } catch {
      setError("The server could not be reached. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth-screen" id="main">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to edge-qr</h1>
        {error ? <Notice kind="error">{error}</Notice> : null}
        <FieldFrame id="sign-in-email" label="Email" required>
          {(describedBy) => (
            <input id="sign-in-email" type="email" name="email" autocomplete="username" required value={email} aria-describedby={describedBy} onInput={(e) => setEmail(e.currentTarget.value)} />
          )}
        </FieldFrame>
        <FieldFrame id="sign-in-password" label="Password" required>
          {(describedBy) => (
            <input
              id="sign-in-password"
              type="password"
              name="password"
              autocomplete="current-password"
              required
              value={password}
              aria-describedby={describedBy}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </FieldFrame>
        <button class="button primary" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p class="muted">
          Developers: the <a href="/docs">API reference</a> needs no sign-in.
        </p>
      </form>
    </main>
  );
}
