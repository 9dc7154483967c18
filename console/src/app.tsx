import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Notice } from "./components/field";
import { match, navigate, type Route, useRoute } from "./route";
import { EditCode, NewCode } from "./screens/code-form";
import { CodesList } from "./screens/codes-list";
import { SetPassword } from "./screens/set-password";
import { Settings } from "./screens/settings";
import { SignIn } from "./screens/sign-in";
import { currentSession, type Session, signOut } from "./session";

const NAV = [
  { href: "#/codes", label: "Codes", section: "/codes" },
  { href: "#/analytics", label: "Analytics", section: "/analytics" },
  { href: "#/webhooks", label: "Webhooks", section: "/webhooks", writersOnly: true },
  { href: "#/settings", label: "Settings", section: "/settings" },
] as const;

/**
 * A screen loaded when first opened, as its own chunk: analytics carries the chart library, the
 * designer the QR engine, and neither belongs in the console's first load.
 */
function later<P extends object>(load: () => Promise<{ default: FunctionComponent<P> }>, what: string) {
  return function Later(props: P) {
    const [Loaded, setLoaded] = useState<FunctionComponent<P> | null>(null);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      load()
        .then((module) => setLoaded(() => module.default))
        .catch(() => setFailed(true));
    }, []);
    if (failed) return <Notice kind="error">The {what} could not be loaded. Reload the page to try again.</Notice>;
    return Loaded ? <Loaded {...props} /> : <p aria-live="polite">Loading…</p>;
  };
}
const AnalyticsScreen = later<{ codeId?: string }>(() => import("./screens/analytics"), "analytics screen");
const DesignerScreen = later<{ id: string; canWrite: boolean }>(() => import("./screens/designer"), "designer");
const WebhooksScreen = later<{ id?: string; canWrite: boolean }>(() => import("./screens/webhooks"), "webhooks screen");

function Screen({ route, session }: { route: Route; session: Session }) {
  const canWrite = session.user.role !== "viewer";
  const { path } = route;
  if (path === "/codes" || path === "/") return <CodesList canWrite={canWrite} query={route.query} />;
  if (path === "/codes/new") return canWrite ? <NewCode /> : <Notice kind="error">Your role can read codes but not create them.</Notice>;
  let params = match("/codes/:id/design", path);
  if (params) return <DesignerScreen key={params.id} id={params.id!} canWrite={canWrite} />;
  params = match("/codes/:id/analytics", path);
  if (params) return <AnalyticsScreen key={params.id} codeId={params.id!} />;
  params = match("/codes/:id", path);
  if (params) return <EditCode key={params.id} id={params.id!} canWrite={canWrite} />;
  if (path === "/analytics") return <AnalyticsScreen />;
  if (path === "/settings") return <Settings session={session} />;
  params = path === "/webhooks" ? {} : match("/webhooks/:id", path);
  if (params && !canWrite) return <Notice kind="error">Webhooks are managed by owners and editors; your role cannot see them.</Notice>;
  if (params) return <WebhooksScreen key={params.id} id={params.id} canWrite={canWrite} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        The console has no page at <code>#{path}</code>. <a href="#/codes">Go to your codes</a>.
      </p>
    </section>
  );
}

function Shell({ session, route, onSignedOut }: { session: Session; route: Route; onSignedOut: () => void }) {
  // A new screen moves focus to its heading, as a page load would, so screen readers announce it.
  useEffect(() => {
    document.querySelector<HTMLElement>("main h1")?.setAttribute("tabindex", "-1");
    document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: true });
  }, [route.path]);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/codes">
          edge-qr
        </a>
        <nav aria-label="Console">
          <ul>
            {NAV.filter((item) => !("writersOnly" in item) || session.user.role !== "viewer").map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={route.path.startsWith(item.section) ? "page" : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
            <li>
              <a href="/docs">API reference</a>
            </li>
          </ul>
        </nav>
        <div class="account">
          <span class="muted">
            {session.user.email} · {session.organization.name} ({session.user.role})
          </span>
          <button
            class="button subtle"
            type="button"
            onClick={async () => {
              await signOut();
              onSignedOut();
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen route={route} session={session} />
      </main>
    </>
  );
}

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    currentSession()
      .then(setSession)
      .catch(() => setSession(null));
  }, []);

  const signedIn = (next: Session) => {
    setSession(next);
    if (route.path === "/sign-in" || route.path === "/set-password") navigate("/codes");
  };

  if (route.path === "/set-password") return <SetPassword token={route.query.get("token") ?? ""} onSignedIn={signedIn} />;
  if (session === undefined)
    return (
      <main id="main" class="auth-screen">
        <p aria-live="polite">Loading…</p>
      </main>
    );
  if (session === null) return <SignIn onSignedIn={signedIn} />;
  return (
    <Shell
      session={session}
      route={route}
      onSignedOut={() => {
        setSession(null);
        navigate("/sign-in");
      }}
    />
  );
}
