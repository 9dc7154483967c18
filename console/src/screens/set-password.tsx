import { useState } from "preact/hooks";
import { FieldFrame, Notice } from "../components/field";
import { type Session, setPassword } from "../session";

const MIN_LENGTH = 10;

/** The screen an invite or reset link opens (#/set-password?token=…): choose a password, signed in after. */
export function SetPassword({ token, onSignedIn }: { token: string; onSignedIn: (session: Session) => void }) {
  const [password, setValue] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setError(null);
    setFieldError(undefined);
    if (password !== repeat) {
      setFieldError("The two passwords differ");
      return;
    }
    setBusy(true);
    try {
      const result = await setPassword(token, password);
      if (result.ok) {
        history.replaceState(null, "", "#/codes");
        onSignedIn(result.session);
      } else {
        const violation = result.refusal.violations.get("password");
        if (violation) setFieldError(violation);
        else setError(result.refusal.status === 410 ? "This link has expired or was used already. Ask an owner for a new one." : result.refusal.detail);
      }
    } catch {
      setError("The server could not be reached. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="auth-screen" id="main">
      <form class="card auth-card" onSubmit={submit} aria-labelledby="set-password-title">
        <h1 id="set-password-title">Choose your password</h1>
        {token === "" ? <Notice kind="error">This link has no token. Open the whole link you were sent.</Notice> : null}
        {error ? <Notice kind="error">{error}</Notice> : null}
        <FieldFrame id="new-password" label="New password" required hint={`At least ${MIN_LENGTH} characters`} error={fieldError}>
          {(describedBy, invalid) => (
            <input
              id="new-password"
              type="password"
              autocomplete="new-password"
              required
              minLength={MIN_LENGTH}
              maxLength={256}
              value={password}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
          )}
        </FieldFrame>
        <FieldFrame id="repeat-password" label="Repeat the password" required>
          {(describedBy) => (
            <input id="repeat-password" type="password" autocomplete="new-password" required value={repeat} aria-describedby={describedBy} onInput={(e) => setRepeat(e.currentTarget.value)} />
          )}
        </FieldFrame>
        <button class="button primary" type="submit" disabled={busy || token === ""}>
          {busy ? "Saving…" : "Set password and sign in"}
        </button>
      </form>
    </main>
  );
}
