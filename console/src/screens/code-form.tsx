// Create and edit forms for every content type, drawn from one description
// (codes/content-types.ts). Violations the API answers (problem+json violations[].propertyPath)
// are shown at the field they name; any the form has no field for are listed above it.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, codeImageUrl, problemMessage, type QrCode, type QrCodeType, violationsOf } from "../api";
import { ConfirmDelete } from "../components/confirm-delete";
import { FieldFrame, Notice } from "../components/field";
import { CONTENT_TYPES, contentOf, type Draft, draftOf, emptyDraft, type FieldSpec, type LinkDraft, type TypeSpec, typeSpec, type UploadPurpose } from "../codes/content-types";
import { navigate } from "../route";

type Errors = Map<string, string>;

const INPUT_TYPES: Partial<Record<FieldSpec["kind"], string>> = { text: "text", url: "url", email: "email", tel: "tel", number: "number", datetime: "datetime-local", color: "text" };

/** POST /files with the session: the upload's id, or the API's words for the refusal. */
async function upload(file: File, purpose: UploadPurpose): Promise<{ id: string } | { error: string }> {
  const form = new FormData();
  form.append("purpose", purpose);
  form.append("file", file, file.name);
  const { data, error, response } = await api.POST("/files", { body: form as never, bodySerializer: (body) => body as unknown as FormData });
  if (data) return { id: data.id };
  return { error: violationsOf(error).get("file") ?? problemMessage(error, response) };
}

/** Moves focus to the first field the API refused, so keyboard and screen-reader users land on it. */
function focusFirstError(form: HTMLFormElement | null) {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"], .notice-error')?.focus());
}

function UploadControl({ id, purpose, value, describedBy, invalid, allowUrl, onChange }: { id: string; purpose: UploadPurpose; value: string; describedBy?: string; invalid: boolean; allowUrl: boolean; onChange: (value: string) => void }) {
  const [status, setStatus] = useState<string | null>(null);
  return (
    <div class="upload">
      {allowUrl ? (
        <input id={id} type="text" value={value} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => onChange(e.currentTarget.value)} />
      ) : (
        <output id={`${id}-current`} class="muted">
          {value ? `Uploaded file ${value}` : "No file yet"}
        </output>
      )}
      <input
        id={allowUrl ? `${id}-file` : id}
        type="file"
        aria-label={allowUrl ? "Upload a file instead" : undefined}
        aria-describedby={describedBy}
        aria-invalid={invalid}
        onChange={async (e) => {
          const file = e.currentTarget.files?.[0];
          if (!file) return;
          setStatus("Uploading…");
          const result = await upload(file, purpose);
          if ("id" in result) {
            onChange(result.id);
            setStatus(`Uploaded ${file.name}`);
          } else setStatus(result.error);
        }}
      />
      {status ? (
        <p class="hint" role="status">
          {status}
        </p>
      ) : null}
    </div>
  );
}

function LinksEditor({ id, links, errors, onChange }: { id: string; links: LinkDraft[]; errors: Errors; onChange: (links: LinkDraft[]) => void }) {
  const set = (i: number, change: Partial<LinkDraft>) => onChange(links.map((link, j) => (j === i ? { ...link, ...change } : link)));
  return (
    <fieldset class="links-editor" id={id}>
      <legend>Links (1 to 50)</legend>
      {errors.get("content.links") ? <p class="error">{errors.get("content.links")}</p> : null}
      {links.map((link, i) => (
        <div class="link-row" key={i}>
          {(["name", "url", "image"] as const).map((part) => {
            const fieldId = `${id}-${i}-${part}`;
            const label = { name: `Link ${i + 1} title`, url: `Link ${i + 1} address`, image: `Link ${i + 1} image (optional id or URL)` }[part];
            return (
              <FieldFrame key={part} id={fieldId} label={label} required={part !== "image"} error={errors.get(`content.links.${i}.${part}`)}>
                {(describedBy, invalid) => (
                  <input id={fieldId} type={(part === "url" ? "url" : "text") as "text"} value={link[part]} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => set(i, { [part]: e.currentTarget.value })} />
                )}
              </FieldFrame>
            );
          })}
          <button class="button subtle" type="button" disabled={links.length <= 1} onClick={() => onChange(links.filter((_, j) => j !== i))}>
            Remove link {i + 1}
          </button>
        </div>
      ))}
      <button class="button" type="button" disabled={links.length >= 50} onClick={() => onChange([...links, { url: "", name: "", image: "" }])}>
        Add a link
      </button>
    </fieldset>
  );
}

function ContentField({ field, draft, errors, onChange }: { field: FieldSpec; draft: Draft; errors: Errors; onChange: (name: string, value: Draft[string]) => void }) {
  const id = `field-${field.name}`;
  const value = draft[field.name];
  const error = errors.get(`content.${field.name}`);
  if (field.kind === "links") return <LinksEditor id={id} links={value as LinkDraft[]} errors={errors} onChange={(links) => onChange(field.name, links)} />;
  if (field.kind === "checkbox")
    return (
      <div class={error ? "field field-invalid checkbox" : "field checkbox"}>
        <input id={id} type="checkbox" checked={value === true} aria-invalid={Boolean(error)} onChange={(e) => onChange(field.name, e.currentTarget.checked)} />
        <label for={id}>{field.label}</label>
        {error ? <p class="error">{error}</p> : null}
      </div>
    );
  return (
    <FieldFrame id={id} label={field.label} required={field.required} hint={field.hint} error={error}>
      {(describedBy, invalid) => {
        const common = { id, "aria-describedby": describedBy, "aria-invalid": invalid, required: field.required };
        if (field.kind === "textarea") return <textarea {...common} rows={4} maxLength={field.maxLength} value={value as string} onInput={(e) => onChange(field.name, e.currentTarget.value)} />;
        if (field.kind === "select")
          return (
            <select {...common} value={value as string} onChange={(e) => onChange(field.name, e.currentTarget.value)}>
              {field.options!.map((option) => (
                <option key={option} value={option}>
                  {option === "nopass" ? "None (open network)" : option}
                </option>
              ))}
            </select>
          );
        if (field.kind === "upload" || field.kind === "fileOrUrl")
          return <UploadControl id={id} purpose={field.purpose!} value={value as string} describedBy={describedBy} invalid={invalid} allowUrl={field.kind === "fileOrUrl"} onChange={(v) => onChange(field.name, v)} />;
        return (
          <input
            {...common}
            type={(INPUT_TYPES[field.kind] ?? "text") as "text"}
            step={field.kind === "number" ? "any" : undefined}
            min={field.min}
            max={field.max}
            maxLength={field.maxLength}
            value={value as string}
            onInput={(e) => onChange(field.name, e.currentTarget.value)}
          />
        );
      }}
    </FieldFrame>
  );
}

/** Tags as a person types them (separated by commas) → the list the API takes; it normalises each (case, spaces) and refuses what is not a tag. */
const tagsOf = (text: string): string[] =>
  text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
const isTagPath = (path: string) => path === "tags" || path.startsWith("tags.");
/** The API's violations on the tags (`tags`, `tags.3`), as one message naming the tag refused. */
function tagsError(errors: Errors, typed: string[]): string | undefined {
  const messages = [...errors]
    .filter(([path]) => isTagPath(path))
    .map(([path, message]) => {
      const index = Number(path.split(".")[1]);
      return Number.isInteger(index) && typed[index] !== undefined ? `“${typed[index]}” ${message}` : message;
    });
  return messages.length > 0 ? messages.join("; ") : undefined;
}

/** Violations the form has no field for (limits, appearance, a whole object), listed above it. */
function otherViolations(spec: TypeSpec, errors: Errors): [string, string][] {
  const shown = (path: string) => path === "name" || isTagPath(path) || spec.fields.some((f) => path === `content.${f.name}` || (f.kind === "links" && path.startsWith("content.links")));
  return [...errors].filter(([path]) => !shown(path));
}

interface FormProps {
  /** The code being edited; absent when creating. */
  code?: QrCode;
  onSaved: (code: QrCode) => void;
}

function CodeForm({ code, onSaved }: FormProps) {
  const [type, setType] = useState<QrCodeType>(code?.type ?? "url");
  const spec = typeSpec(type);
  const [name, setName] = useState(code?.name ?? "");
  const [tags, setTags] = useState((code?.tags ?? []).join(", "));
  const [drafts, setDrafts] = useState<Partial<Record<QrCodeType, Draft>>>(() => (code ? { [code.type]: draftOf(typeSpec(code.type), code.content) } : {}));
  const draft = drafts[type] ?? emptyDraft(spec);
  const [errors, setErrors] = useState<Errors>(new Map());
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const change = (field: string, value: Draft[string]) => setDrafts({ ...drafts, [type]: { ...draft, [field]: value } });

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    setErrors(new Map());
    const content = contentOf(spec, draft);
    try {
      const result = code
        ? await api.PATCH("/qr_codes/{id}", {
            params: { path: { id: code.id } },
            // A merge patch: the content's fields the form emptied are removed (null), the rest replaced.
            body: { name, content: { ...Object.fromEntries(Object.keys(code.content).map((key) => [key, null])), ...content }, tags: tagsOf(tags) },
            headers: { "Content-Type": "application/merge-patch+json" },
          })
        : await api.POST("/qr_codes", { body: { name, type, content, tags: tagsOf(tags) } as never });
      if (result.data) {
        onSaved(result.data as QrCode);
        return;
      }
      const violations = violationsOf(result.error);
      setErrors(violations);
      setFailure(violations.size > 0 ? "Some fields need attention." : problemMessage(result.error, result.response));
      focusFirstError(formRef.current);
    } catch {
      setFailure("The server could not be reached.");
    } finally {
      setBusy(false);
    }
  }

  const others = otherViolations(spec, errors);
  return (
    <form class="code-form" ref={formRef} onSubmit={submit} noValidate aria-describedby={failure ? "form-failure" : undefined}>
      {failure ? (
        <div class="notice notice-error" role="alert" id="form-failure" tabIndex={-1}>
          <p>{failure}</p>
          {others.length > 0 ? (
            <ul>
              {others.map(([path, message]) => (
                <li key={path}>
                  <code>{path}</code>: {message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {code ? (
        <p>
          Type: <strong>{spec.label}</strong> <span class="muted">({spec.description})</span>
        </p>
      ) : (
        <fieldset class="type-picker">
          <legend>What should a scan do?</legend>
          {CONTENT_TYPES.map((option) => (
            // The radio is named by the type alone and described by what a scan does.
            <div class="type-option" key={option.type}>
              <input
                id={`type-${option.type}`}
                type="radio"
                name="type"
                value={option.type}
                checked={type === option.type}
                aria-describedby={`type-${option.type}-description`}
                onChange={() => setType(option.type)}
              />
              <span class="type-text">
                <label for={`type-${option.type}`}>{option.label}</label>
                <span class="muted type-description" id={`type-${option.type}-description`}>
                  {option.description}
                </span>
              </span>
            </div>
          ))}
        </fieldset>
      )}
      <FieldFrame id="field-name" label="Name" required hint="For you: the name in the list, never shown to people who scan" error={errors.get("name")}>
        {(describedBy, invalid) => <input id="field-name" type="text" required maxLength={255} value={name} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => setName(e.currentTarget.value)} />}
      </FieldFrame>
      <fieldset class="content-fields">
        <legend>{spec.label}</legend>
        {errors.get("content") ? <p class="error">{errors.get("content")}</p> : null}
        {spec.fields.map((field) => (
          <ContentField key={`${type}-${field.name}`} field={field} draft={draft} errors={errors} onChange={change} />
        ))}
      </fieldset>
      <FieldFrame id="field-tags" label="Tags" hint="Separated by commas, to find the code by (the list filters by them). At most 10; each 1 to 32 letters, digits, '-', '_' or spaces, kept in lower case." error={tagsError(errors, tagsOf(tags))}>
        {(describedBy, invalid) => <input id="field-tags" type="text" value={tags} aria-describedby={describedBy} aria-invalid={invalid} onInput={(e) => setTags(e.currentTarget.value)} />}
      </FieldFrame>
      <div class="actions">
        <button class="button primary" type="submit" disabled={busy}>
          {busy ? "Saving…" : code ? "Save changes" : "Create code"}
        </button>
        <a class="button subtle" href={code ? `#/codes/${encodeURIComponent(code.id)}` : "#/codes"}>
          Cancel
        </a>
      </div>
    </form>
  );
}

export function NewCode() {
  return (
    <section aria-labelledby="new-code-title">
      <h1 id="new-code-title">New code</h1>
      <CodeForm onSaved={(code) => navigate(`/codes/${encodeURIComponent(code.id)}`)} />
    </section>
  );
}

/** A code: its image, its links, the edit form (owners and editors) and deletion behind a confirmation. */
export function EditCode({ id, canWrite }: { id: string; canWrite: boolean }) {
  const [code, setCode] = useState<QrCode | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [revision, setRevision] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api.GET("/qr_codes/{id}", { params: { path: { id } } }).then(({ data, error: failure, response }) => {
      if (!current) return;
      if (data) setCode(data as QrCode);
      else setError(problemMessage(failure, response));
    });
    return () => {
      current = false;
    };
  }, [id]);

  async function remove() {
    const { error: failure, response } = await api.DELETE("/qr_codes/{id}", { params: { path: { id } } });
    if (response.ok) {
      dialog.current?.close();
      navigate("/codes");
    } else setDeleteError(problemMessage(failure, response));
  }

  if (error) return <Notice kind="error">{error}</Notice>;
  if (!code) return <p aria-live="polite">Loading…</p>;
  return (
    <section aria-labelledby="code-title">
      <div class="screen-head">
        <h1 id="code-title">{code.name}</h1>
        {canWrite ? (
          <button class="button danger" type="button" onClick={() => dialog.current?.showModal()}>
            Delete
          </button>
        ) : null}
      </div>
      <div class="code-summary card">
        <img key={revision} class="preview" src={`${codeImageUrl(code.id)}&v=${encodeURIComponent(code.metadata.updatedAt)}`} alt={`QR code of ${code.name}`} width={160} height={160} />
        <dl>
          <dt>Scans</dt>
          <dd>{code.analytics.scans.toLocaleString()}</dd>
          {code.attributes.dynamicUrl ? (
            <>
              <dt>Short link</dt>
              <dd>
                <a href={code.attributes.dynamicUrl}>{code.attributes.dynamicUrl}</a>
              </dd>
            </>
          ) : null}
          <dt>Download</dt>
          <dd>
            <a href={codeImageUrl(code.id, "png")} download={`${code.name}.png`}>
              PNG
            </a>{" "}
            ·{" "}
            <a href={codeImageUrl(code.id, "svg")} download={`${code.name}.svg`}>
              SVG
            </a>
          </dd>
          <dt>More</dt>
          <dd>
            <a href={`#/codes/${encodeURIComponent(code.id)}/design`}>Design</a> · <a href={`#/codes/${encodeURIComponent(code.id)}/analytics`}>Analytics</a>
          </dd>
        </dl>
      </div>
      {saved ? <Notice kind="success">Saved.</Notice> : null}
      {canWrite ? (
        <>
          <h2>Edit</h2>
          <CodeForm
            key={code.metadata.updatedAt}
            code={code}
            onSaved={(updated) => {
              setCode(updated);
              setSaved(true);
              setRevision(revision + 1);
            }}
          />
        </>
      ) : (
        <p class="muted">Your role can read codes but not change them.</p>
      )}
      <ConfirmDelete dialog={dialog} title={`Delete “${code.name}”?`} error={deleteError} onConfirm={remove}>
        Its short link stops working for everyone who has the printed code, and it cannot be undone.
      </ConfirmDelete>
    </section>
  );
}
