// Owner settings: the organization's API keys, its members' console roles and the developer keys
// for produceQRCode with their IP allowlists (the /organization/… routes). A secret is shown once,
// right after it is created, and never again.
import { useEffect, useState } from "preact/hooks";
import { api, type components, problemMessage, violationsOf } from "../api";
import { FieldFrame, Notice } from "../components/field";
import { ScrollTable } from "../components/scroll-table";
import type { Session } from "../session";

type ApiKey = components["schemas"]["ApiKey"];
type Member = components["schemas"]["ConsoleUser"];
type DeveloperKey = components["schemas"]["DeveloperKey"];
type Role = ApiKey["role"];
type ConsoleRole = Member["consoleRole"];

/** The actions a key may be given, as the API lists them, with what each allows. */
const ACTIONS = [
  ["qr:ReadQrCode", "Read QR codes, their downloads and analytics"],
  ["qr:WriteQrCode", "Create, replace and delete QR codes; upload files"],
  ["cams:ListPhoneMessageQrdl", "List message QR codes"],
  ["cams:CreatePhoneMessageQrdl", "Create message QR codes"],
  ["cams:UpdatePhoneMessageQrdl", "Update message QR codes"],
  ["cams:DeletePhoneMessageQrdl", "Delete message QR codes"],
  ["pairing:ManageInstance", "Manage pairing instances"],
] as const;
type Action = (typeof ACTIONS)[number][0];

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "never");

/** A key's status: a Revoke button while it is active. */
function StatusCell({ status, name, onRevoke }: { status: "active" | "revoked"; name: string; onRevoke: () => void }) {
  return (
    <td>
      {status === "active" ? (
        <button class="button subtle" type="button" onClick={onRevoke} aria-label={`Revoke ${name}`}>
          Revoke
        </button>
      ) : (
        "revoked"
      )}
    </td>
  );
}

/** A secret in a box to copy, said once. */
function SecretOnce({ label, secret }: { label: string; secret: string }) {
  return (
    <div class="notice notice-success secret" role="status">
      <p>
        <strong>{label}</strong> Copy it now: it is shown only this once.
      </p>
      <code class="secret-value" tabIndex={0}>
        {secret}
      </code>
    </div>
  );
}

function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("read-write");
  const [actions, setActions] = useState<Set<Action>>(new Set(["qr:ReadQrCode", "qr:WriteQrCode"]));
  const [violations, setViolations] = useState<Map<string, string>>(new Map());
  const [secret, setSecret] = useState<string | null>(null);

  const load = () =>
    api.GET("/organization/api_keys").then(({ data, error: failure, response }) => (data ? setKeys(data.items) : setError(problemMessage(failure, response))));
  useEffect(() => void load(), []);

  async function create(event: Event) {
    event.preventDefault();
    setSecret(null);
    setError(null);
    const { data, error: failure, response } = await api.POST("/organization/api_keys", { body: { name, role, actions: [...actions] } });
    setViolations(violationsOf(failure));
    if (data) {
      setSecret(data.secret);
      setName("");
      await load();
    } else setError(problemMessage(failure, response));
  }

  async function revoke(key: ApiKey) {
    const { error: failure, response } = await api.POST("/organization/api_keys/{keyId}/revoke", { params: { path: { keyId: key.id } } });
    if (response.ok) await load();
    else setError(problemMessage(failure, response));
  }

  return (
    <section aria-labelledby="api-keys-title" class="settings-section">
      <h2 id="api-keys-title">API keys</h2>
      <p class="muted">Bearer keys (zbk_…) for programs that call the API on the organization's behalf.</p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {secret ? <SecretOnce label="The new key:" secret={secret} /> : null}
      {keys && keys.length > 0 ? (
        <ScrollTable label="API keys" headers={["Name", "Key", "Role and actions", "Last used", "Status"]}>
          {keys.map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td>
                <code>{key.secretPrefix}</code>
              </td>
              <td>
                {key.role}
                <br />
                <span class="muted">{key.actions.join(", ")}</span>
              </td>
              <td>{when(key.lastUsedAt)}</td>
              <StatusCell status={key.status} name={key.name} onRevoke={() => revoke(key)} />
            </tr>
          ))}
        </ScrollTable>
      ) : keys ? (
        <p class="muted">No API keys yet.</p>
      ) : null}
      <form onSubmit={create} class="card" aria-labelledby="new-api-key-title" noValidate>
        <h3 id="new-api-key-title">New API key</h3>
        <FieldFrame id="api-key-name" label="Key name" required error={violations.get("name")}>
          {(describedBy, invalid) => <input id="api-key-name" type="text" required maxLength={200} value={name} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => setName(e.currentTarget.value)} />}
        </FieldFrame>
        <FieldFrame id="api-key-role" label="Role" error={violations.get("role")}>
          {(describedBy) => (
            <select id="api-key-role" value={role} aria-describedby={describedBy} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              <option value="read-write">read-write</option>
              <option value="read-only">read-only</option>
            </select>
          )}
        </FieldFrame>
        <fieldset>
          <legend>Actions</legend>
          {violations.get("actions") ? <p class="error">{violations.get("actions")}</p> : null}
          {ACTIONS.map(([action, what]) => (
            <div class="field checkbox" key={action}>
              <input
                id={`action-${action}`}
                type="checkbox"
                checked={actions.has(action)}
                onChange={(e) => {
                  const next = new Set(actions);
                  if (e.currentTarget.checked) next.add(action);
                  else next.delete(action);
                  setActions(next);
                }}
              />
              <label for={`action-${action}`}>
                <code>{action}</code> <span class="muted">{what}</span>
              </label>
            </div>
          ))}
        </fieldset>
        <button class="button primary" type="submit">
          Create API key
        </button>
      </form>
    </section>
  );
}

function Members({ self }: { self: string }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const load = () =>
    api.GET("/organization/users").then(({ data, error: failure, response }) => (data ? setMembers(data.items) : setError(problemMessage(failure, response))));
  useEffect(() => void load(), []);

  async function changeRole(member: Member, role: ConsoleRole) {
    setSaved(null);
    setError(null);
    const { data, error: failure, response } = await api.PUT("/organization/users/{userId}/role", { params: { path: { userId: member.id } }, body: { role } });
    if (data) setSaved(`${member.name} is now ${role}.`);
    else setError(problemMessage(failure, response));
    await load();
  }

  return (
    <section aria-labelledby="members-title" class="settings-section">
      <h2 id="members-title">Members</h2>
      <p class="muted">Owners manage members and keys, editors change codes, viewers read.</p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {saved ? <Notice kind="success">{saved}</Notice> : null}
      {members ? (
        <ScrollTable label="Members" headers={["Name", "Email", "Console role"]}>
          {members.map((member) => (
            <tr key={member.id}>
              <td>
                {member.name}
                {member.status === "inactive" ? <span class="muted"> (inactive)</span> : null}
                {!member.hasPassword ? <span class="muted"> (no password yet)</span> : null}
              </td>
              <td>{member.email ?? "—"}</td>
              <td>
                <label class="visually-hidden" for={`role-${member.id}`}>
                  Console role of {member.name}
                </label>
                <select id={`role-${member.id}`} value={member.consoleRole} disabled={member.id === self} onChange={(e) => changeRole(member, e.currentTarget.value as ConsoleRole)}>
                  <option value="owner">owner</option>
                  <option value="editor">editor</option>
                  <option value="viewer">viewer</option>
                </select>
              </td>
            </tr>
          ))}
        </ScrollTable>
      ) : null}
    </section>
  );
}

function DeveloperKeys({ self }: { self: string }) {
  const [keys, setKeys] = useState<DeveloperKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState("");
  const [allowlist, setAllowlist] = useState("");
  const [violations, setViolations] = useState<Map<string, string>>(new Map());
  const [secret, setSecret] = useState<string | null>(null);
  const load = () =>
    api.GET("/organization/developer_keys").then(({ data, error: failure, response }) => (data ? setKeys(data.items) : setError(problemMessage(failure, response))));
  useEffect(() => void load(), []);

  const addresses = (text: string) =>
    text
      .split(/[\s,]+/)
      .map((a) => a.trim())
      .filter(Boolean);

  async function create(event: Event) {
    event.preventDefault();
    setSecret(null);
    setError(null);
    const { data, error: failure, response } = await api.POST("/organization/developer_keys", { body: { userId: self, label: label || undefined, allowlist: addresses(allowlist) } });
    setViolations(violationsOf(failure));
    if (data) {
      setSecret(data.secret);
      setLabel("");
      setAllowlist("");
      await load();
    } else setError(problemMessage(failure, response));
  }

  async function revoke(key: DeveloperKey) {
    const { error: failure, response } = await api.POST("/organization/developer_keys/{keyId}/revoke", { params: { path: { keyId: key.id } } });
    if (response.ok) await load();
    else setError(problemMessage(failure, response));
  }

  const allowlistError = [...violations].filter(([path]) => path.startsWith("allowlist")).map(([path, message]) => `${path}: ${message}`).join("; ") || undefined;
  return (
    <section aria-labelledby="developer-keys-title" class="settings-section">
      <h2 id="developer-keys-title">Developer keys</h2>
      <p class="muted">The developer_secret (zdk_…) for produceQRCode, accepted only from the addresses on its allowlist.</p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {secret ? <SecretOnce label="The new developer secret:" secret={secret} /> : null}
      {keys && keys.length > 0 ? (
        <ScrollTable label="Developer keys" headers={["Label", "Key", "Allowlist", "Status"]}>
          {keys.map((key) => (
            <tr key={key.id}>
              <td>{key.label ?? "—"}</td>
              <td>
                <code>{key.secretPrefix}</code>
              </td>
              <td>{key.allowlist.length > 0 ? key.allowlist.join(", ") : <span class="muted">nobody</span>}</td>
              <StatusCell status={key.status} name={key.label ?? key.secretPrefix} onRevoke={() => revoke(key)} />
            </tr>
          ))}
        </ScrollTable>
      ) : keys ? (
        <p class="muted">No developer keys yet.</p>
      ) : null}
      <form onSubmit={create} class="card" aria-labelledby="new-developer-key-title" noValidate>
        <h3 id="new-developer-key-title">New developer key</h3>
        <FieldFrame id="developer-key-label" label="Label" error={violations.get("label")}>
          {(describedBy, invalid) => <input id="developer-key-label" type="text" maxLength={200} value={label} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => setLabel(e.currentTarget.value)} />}
        </FieldFrame>
        <FieldFrame id="developer-key-allowlist" label="Allowed addresses" hint="IPv4 or IPv6 addresses and CIDR ranges, one a line; an empty list admits nobody" error={allowlistError}>
          {(describedBy, invalid) => <textarea id="developer-key-allowlist" rows={3} value={allowlist} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => setAllowlist(e.currentTarget.value)} />}
        </FieldFrame>
        <button class="button primary" type="submit">
          Create developer key
        </button>
      </form>
    </section>
  );
}

export function Settings({ session }: { session: Session }) {
  if (session.user.role !== "owner")
    return (
      <section aria-labelledby="settings-title">
        <h1 id="settings-title">Settings</h1>
        <p>Only the organization's owners manage keys and members. Your role is {session.user.role}.</p>
      </section>
    );
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ApiKeys />
      <Members self={session.user.id} />
      <DeveloperKeys self={session.user.id} />
    </section>
  );
}
