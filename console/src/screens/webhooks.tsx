// The organization's webhook endpoints (the /webhooks routes): #/webhooks lists them and creates
// one (its signing secret shown this once), #/webhooks/{id} changes one, turns it off and on
// (enabling is also the way back after automatic disabling), deletes it behind a confirmation and
// shows its delivery log, each delivery with its attempts and a Redeliver button. Owners and
// editors only, as the API allows (webhooks:ManageWebhooks is a write action, which a viewer's
// read-only session does not carry). Loaded on demand, as its own chunk.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type components, problemMessage, violationsOf } from "../api";
import { ConfirmDelete } from "../components/confirm-delete";
import { FieldFrame, Notice } from "../components/field";
import { ScrollTable } from "../components/scroll-table";
import { navigate } from "../route";

type Endpoint = components["schemas"]["WebhookEndpoint"];
type Delivery = components["schemas"]["WebhookDelivery"];
type EventType = Endpoint["events"][number];

/** Every event the API sends, with what it means; a Record so a new event type fails `tsc` here until it is described. */
const EVENT_LABELS: Record<EventType, string> = {
  "qr_code.created": "A code was created",
  "qr_code.updated": "A code was changed",
  "qr_code.deleted": "A code was deleted",
  "qr_code.scanned": "Codes were scanned (one request per batch of scans)",
  "qr_code.scan_limit_reached": "A code reached its scan limit",
  "qr_code.destination_broken": "A code's destination stopped working",
  "qr_code.destination_recovered": "A code's destination works again",
};
const EVENTS = Object.keys(EVENT_LABELS) as EventType[];

/** Set by POST /webhooks/{id}/disable; any other reason is the delivery consumer's, after repeated failures. */
const DISABLED_BY_REQUEST = "disabled by request";

/** The body as sent, indented to read (the log keeps the exact bytes; this is only how they are shown). */
function readable(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");
const endpointPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

/** The endpoint's status in words, saying why a disabled one is off. */
function StatusText({ endpoint }: { endpoint: Endpoint }) {
  if (endpoint.status === "enabled")
    return endpoint.failureStreak > 0 ? (
      <>
        enabled <span class="muted">({endpoint.failureStreak} failed attempts in a row since {when(endpoint.failingSince)})</span>
      </>
    ) : (
      <>enabled</>
    );
  return (
    <>
      disabled <span class="muted">({endpoint.disabledReason === DISABLED_BY_REQUEST ? "by request" : "automatically, after repeated failures"})</span>
    </>
  );
}

/** URL, description and events: the create form and the edit form share them. */
interface Settings {
  url: string;
  description: string;
  events: Set<EventType>;
}

function SettingsFields({ prefix, settings, violations, onChange }: { prefix: string; settings: Settings; violations: Map<string, string>; onChange: (next: Settings) => void }) {
  const eventsError = [...violations].filter(([path]) => path === "events" || path.startsWith("events.")).map(([, message]) => message).join("; ");
  return (
    <>
      <FieldFrame id={`${prefix}-url`} label="Endpoint URL" required hint="https on the default port, on a public host: private and loopback addresses are refused" error={violations.get("url")}>
        {(describedBy, invalid) => (
          <input id={`${prefix}-url`} type="url" required maxLength={2048} value={settings.url} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => onChange({ ...settings, url: e.currentTarget.value })} />
        )}
      </FieldFrame>
      <FieldFrame id={`${prefix}-description`} label="Description" hint="For you: what receives these events" error={violations.get("description")}>
        {(describedBy, invalid) => (
          <input id={`${prefix}-description`} type="text" maxLength={200} value={settings.description} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => onChange({ ...settings, description: e.currentTarget.value })} />
        )}
      </FieldFrame>
      <fieldset aria-describedby={eventsError ? `${prefix}-events-error` : undefined}>
        <legend>Events to send</legend>
        {eventsError ? (
          <p class="error" id={`${prefix}-events-error`}>
            {eventsError}
          </p>
        ) : null}
        {EVENTS.map((event) => (
          <div class="field checkbox" key={event}>
            <input
              id={`${prefix}-event-${event}`}
              type="checkbox"
              checked={settings.events.has(event)}
              onChange={(e) => {
                const events = new Set(settings.events);
                if (e.currentTarget.checked) events.add(event);
                else events.delete(event);
                onChange({ ...settings, events });
              }}
            />
            <label for={`${prefix}-event-${event}`}>
              <code>{event}</code> <span class="muted">{EVENT_LABELS[event]}</span>
            </label>
          </div>
        ))}
      </fieldset>
    </>
  );
}

/** The new endpoint's secret, with a copy button; gone once the screen is left. */
function SecretOnce({ secret, endpointId }: { secret: string; endpointId: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div class="notice notice-success secret">
      <p>
        <strong>The endpoint's signing secret.</strong> Copy it now and keep it where your receiver verifies signatures: you won't see it again.
      </p>
      <code class="secret-value" tabIndex={0}>
        {secret}
      </code>
      <div class="actions secret-actions">
        <button
          class="button"
          type="button"
          onClick={() =>
            navigator.clipboard
              .writeText(secret)
              .then(() => setCopied("Copied to the clipboard."))
              .catch(() => setCopied("The browser refused the clipboard: select the secret and copy it."))
          }
        >
          Copy secret
        </button>
        <a href={`#${endpointPath(endpointId)}`}>Open the endpoint and its deliveries</a>
      </div>
      <p role="status" class="hint">
        {copied ?? ""}
      </p>
    </div>
  );
}

function EndpointList({ canWrite }: { canWrite: boolean }) {
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [settings, setSettings] = useState<Settings>({ url: "", description: "", events: new Set(["qr_code.created", "qr_code.updated", "qr_code.deleted"]) });
  const [violations, setViolations] = useState<Map<string, string>>(new Map());
  const [created, setCreated] = useState<{ secret: string; id: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    api
      .GET("/webhooks")
      .then(({ data, error: failure, response }) => (data ? setEndpoints(data.items) : setError(problemMessage(failure, response))))
      .catch(() => setError("The server could not be reached."));
  useEffect(() => void load(), []);

  async function create(event: Event) {
    event.preventDefault();
    setBusy(true);
    setCreated(null);
    setError(null);
    try {
      const { data, error: failure, response } = await api.POST("/webhooks", { body: { url: settings.url.trim(), events: [...settings.events], description: settings.description } });
      setViolations(violationsOf(failure));
      if (data) {
        setCreated({ secret: data.secret, id: data.id });
        setSettings({ ...settings, url: "", description: "" });
        await load();
      } else setError(problemMessage(failure, response));
    } catch {
      setError("The server could not be reached.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="webhooks-title">
      <div class="screen-head">
        <h1 id="webhooks-title">Webhooks</h1>
      </div>
      <p class="muted">
        Endpoints that receive the organization's events, signed as <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> say (webhook-id, webhook-timestamp, webhook-signature). At
        most 20 per organization.
      </p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {created ? <SecretOnce secret={created.secret} endpointId={created.id} /> : null}
      {endpoints === null && !error ? <p aria-live="polite">Loading…</p> : null}
      {endpoints && endpoints.length === 0 ? <p class="empty">{canWrite ? "No endpoints yet. Add one below." : "No endpoints yet."}</p> : null}
      {endpoints && endpoints.length > 0 ? (
        <ScrollTable label="Webhook endpoints" headers={["Endpoint", "Events", "Secret", "Status"]}>
          {endpoints.map((endpoint) => (
            <tr key={endpoint.id} data-endpoint-id={endpoint.id}>
              <td>
                <a href={`#${endpointPath(endpoint.id)}`}>{endpoint.url}</a>
                {endpoint.description ? (
                  <>
                    <br />
                    <span class="muted">{endpoint.description}</span>
                  </>
                ) : null}
              </td>
              <td>{endpoint.events.join(", ")}</td>
              <td>
                <code>{endpoint.secretPrefix}</code>
              </td>
              <td>
                <StatusText endpoint={endpoint} />
              </td>
            </tr>
          ))}
        </ScrollTable>
      ) : null}
      {canWrite ? (
        <form onSubmit={create} class="card settings-section" aria-labelledby="new-endpoint-title" noValidate>
          <h2 id="new-endpoint-title">New endpoint</h2>
          <SettingsFields prefix="new-endpoint" settings={settings} violations={violations} onChange={setSettings} />
          <button class="button primary" type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create endpoint"}
          </button>
        </form>
      ) : (
        <p class="muted">Your role can read the endpoints but not change them.</p>
      )}
    </section>
  );
}

function DeliveryLog({ endpoint, canWrite }: { endpoint: Endpoint; canWrite: boolean }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [said, setSaid] = useState("");

  const load = () =>
    api
      .GET("/webhooks/{id}/deliveries", { params: { path: { id: endpoint.id } } })
      .then(({ data, error: failure, response }) => (data ? (setDeliveries(data.items), setError(null)) : setError(problemMessage(failure, response))))
      .catch(() => setError("The server could not be reached."));
  useEffect(() => void load(), [endpoint.id]);

  async function redeliver(delivery: Delivery) {
    setSaid("");
    setError(null);
    const { data, error: failure, response } = await api.POST("/webhooks/{id}/deliveries/{deliveryId}/redeliver", { params: { path: { id: endpoint.id, deliveryId: delivery.id } } });
    if (data) {
      setSaid(`Delivery ${delivery.id} queued again: same webhook-id and body, a new signature.`);
      await load();
    } else setError(problemMessage(failure, response));
  }

  return (
    <section aria-labelledby="deliveries-title" class="settings-section">
      <div class="screen-head">
        <h2 id="deliveries-title">Delivery log</h2>
        <button class="button" type="button" onClick={() => (setSaid(""), void load())}>
          Refresh
        </button>
      </div>
      <p class="muted">The 50 newest deliveries, newest first; each is retried with a growing delay until it is delivered or about 17 hours have passed.</p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <p role="status" class="hint">
        {said}
      </p>
      {deliveries === null && !error ? <p aria-live="polite">Loading…</p> : null}
      {deliveries && deliveries.length === 0 ? <p class="empty">No deliveries yet: they appear here when an event this endpoint listens to happens.</p> : null}
      {deliveries && deliveries.length > 0 ? (
        <ul class="delivery-list">
          {deliveries.map((delivery) => (
            <li class="card delivery" key={delivery.id} data-delivery-id={delivery.id} data-status={delivery.status}>
              <div class="delivery-head">
                <div>
                  <strong>{delivery.eventType}</strong> <span class={`status status-${delivery.status}`}>{delivery.status}</span>
                  <br />
                  <span class="muted">
                    <code>{delivery.id}</code> · created {when(delivery.createdAt)} · {delivery.attempts === 1 ? "1 attempt" : `${delivery.attempts} attempts`}
                  </span>
                </div>
                {canWrite ? (
                  <button class="button" type="button" aria-label={`Redeliver ${delivery.id}`} disabled={endpoint.status !== "enabled"} onClick={() => redeliver(delivery)}>
                    Redeliver
                  </button>
                ) : null}
              </div>
              {delivery.attemptLog.length > 0 ? (
                <ScrollTable label={`Attempts of ${delivery.id}`} headers={["Attempt", "Time", "Status", "Latency", "Error"]}>
                  {delivery.attemptLog.map((attempt, i) => (
                    // Not keyed by the attempt's number: a redelivery's attempts may repeat one.
                    <tr key={i}>
                      <td>{attempt.attempt}</td>
                      <td>{when(attempt.at)}</td>
                      <td>{attempt.statusCode === null ? "no answer" : `HTTP ${attempt.statusCode}`}</td>
                      <td>{attempt.latencyMs} ms</td>
                      <td>{attempt.ok ? "delivered" : (attempt.error ?? "failed")}</td>
                    </tr>
                  ))}
                </ScrollTable>
              ) : (
                <p class="muted">Not attempted yet: the queue sends it within seconds.</p>
              )}
              <details>
                <summary>Body sent</summary>
                <pre class="payload">{readable(delivery.payload)}</pre>
              </details>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function EndpointDetail({ id, canWrite }: { id: string; canWrite: boolean }) {
  const [endpoint, setEndpoint] = useState<Endpoint | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [violations, setViolations] = useState<Map<string, string>>(new Map());
  const [said, setSaid] = useState("");
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  const show = (next: Endpoint) => {
    setEndpoint(next);
    setSettings({ url: next.url, description: next.description, events: new Set(next.events) });
  };
  useEffect(() => {
    api
      .GET("/webhooks/{id}", { params: { path: { id } } })
      .then(({ data, error: failure, response }) => (data ? show(data) : setError(problemMessage(failure, response))))
      .catch(() => setError("The server could not be reached."));
  }, [id]);

  async function save(event: Event) {
    event.preventDefault();
    if (!settings) return;
    setSaid("");
    setError(null);
    const { data, error: failure, response } = await api.PATCH("/webhooks/{id}", { params: { path: { id } }, body: { url: settings.url.trim(), description: settings.description, events: [...settings.events] } });
    setViolations(violationsOf(failure));
    if (data) {
      show(data);
      setSaid("Saved.");
    } else setError(problemMessage(failure, response));
  }

  async function toggle(enable: boolean) {
    setSaid("");
    setError(null);
    const { data, error: failure, response } = enable
      ? await api.POST("/webhooks/{id}/enable", { params: { path: { id } } })
      : await api.POST("/webhooks/{id}/disable", { params: { path: { id } } });
    if (data) {
      show(data);
      setSaid(enable ? "Enabled: events are sent again, and the failure count starts from zero." : "Disabled: no event is sent until it is enabled.");
    } else setError(problemMessage(failure, response));
  }

  async function remove() {
    const { error: failure, response } = await api.DELETE("/webhooks/{id}", { params: { path: { id } } });
    if (response.ok) {
      dialog.current?.close();
      navigate("/webhooks");
    } else setDeleteError(problemMessage(failure, response));
  }

  if (!endpoint)
    return (
      <section aria-labelledby="endpoint-title">
        <h1 id="endpoint-title">Webhook endpoint</h1>
        {error ? <Notice kind="error">{error}</Notice> : <p aria-live="polite">Loading…</p>}
        <a href="#/webhooks">Back to the webhooks</a>
      </section>
    );
  const automatic = endpoint.status === "disabled" && endpoint.disabledReason !== DISABLED_BY_REQUEST;
  return (
    <section aria-labelledby="endpoint-title">
      <div class="screen-head">
        <h1 id="endpoint-title">Webhook endpoint</h1>
        <a href="#/webhooks">Back to the webhooks</a>
        {canWrite ? (
          <button class="button danger" type="button" onClick={() => dialog.current?.showModal()}>
            Delete
          </button>
        ) : null}
      </div>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <p role="status" class="hint">
        {said}
      </p>
      <div class="card endpoint-summary">
        <dl>
          <dt>URL</dt>
          <dd>{endpoint.url}</dd>
          <dt>Status</dt>
          <dd data-status={endpoint.status}>
            <StatusText endpoint={endpoint} />
          </dd>
          <dt>Secret</dt>
          <dd>
            <code>{endpoint.secretPrefix}</code> <span class="muted">(the whole secret was shown once, when the endpoint was created)</span>
          </dd>
          <dt>Created</dt>
          <dd>{when(endpoint.createdAt)}</dd>
        </dl>
        {endpoint.status === "disabled" ? (
          <div class="notice notice-info">
            <p>
              {automatic
                ? `Disabled automatically: ${endpoint.disabledReason ?? "repeated failures"}. Fix the receiver, then enable the endpoint again: its failure count starts from zero.`
                : "Disabled by request: no event is sent to it until it is enabled."}
            </p>
          </div>
        ) : null}
        {canWrite ? (
          <div class="actions">
            {endpoint.status === "enabled" ? (
              <button class="button" type="button" onClick={() => toggle(false)}>
                Disable
              </button>
            ) : (
              <button class="button primary" type="button" onClick={() => toggle(true)}>
                Enable
              </button>
            )}
          </div>
        ) : null}
      </div>
      {canWrite && settings ? (
        <form onSubmit={save} class="card settings-section" aria-labelledby="edit-endpoint-title" noValidate>
          <h2 id="edit-endpoint-title">Edit</h2>
          <SettingsFields prefix="endpoint" settings={settings} violations={violations} onChange={setSettings} />
          <button class="button primary" type="submit">
            Save changes
          </button>
        </form>
      ) : null}
      <DeliveryLog endpoint={endpoint} canWrite={canWrite} />
      <ConfirmDelete dialog={dialog} title="Delete this endpoint?" error={deleteError} onConfirm={remove}>
        No more events are sent to {endpoint.url}, and its delivery log is deleted with it. It cannot be undone.
      </ConfirmDelete>
    </section>
  );
}

/** `id` set: that endpoint; absent: the list and the create form. */
export default function Webhooks({ id, canWrite }: { id?: string; canWrite: boolean }) {
  return id ? <EndpointDetail id={id} canWrite={canWrite} /> : <EndpointList canWrite={canWrite} />;
}
