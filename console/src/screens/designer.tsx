// The designer (#/codes/<id>/design): every appearance option beside a live preview drawn in the
// browser by the same engine as POST /qr_codes/{id}/download (src/qr/browser.ts), so the preview
// is the download, byte for byte. The engine's verdict is shown in words as the design changes;
// Save sends the appearance as a merge patch pinned to the version it was loaded from (If-Match).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, problemMessage, type QrCode, violationsOf } from "../api";
import { FieldFrame, Notice } from "../components/field";
import { exportAppearance, fileSlug, readAppearanceFile, saveFile } from "../designer/appearance-file";
import { NumberField } from "../designer/controls";
import { type Appearance, encodedContent, logoPath, type PreviewInput } from "../designer/engine";
import { BackgroundGroup, CornerDotsGroup, CornerSquaresGroup, DotsGroup, FrameGroup, type GroupProps, ImageGroup, QrOptionsGroup, ScannabilityGroup } from "../designer/option-groups";
import { PRESETS } from "../designer/presets";
import { usePreview } from "../designer/use-preview";
import "../designer/designer.css";

const DEFAULT_SIZE = 300;
const DEFAULT_MARGIN = 10;
const MIN_SIZE = 10;
const MAX_SIZE = 5000;
const MAX_MARGIN = 30;

type Errors = Map<string, string>;
type Logo = { path: string; bytes: Uint8Array | null; failed?: boolean };

/** The appearance's violations (`appearance.dotsOptionsColor` → `dotsOptionsColor`) and the rest apart. */
function splitViolations(all: Errors): { fields: Errors; others: [string, string][] } {
  const fields: Errors = new Map();
  const others: [string, string][] = [];
  for (const [path, message] of all) {
    if (path.startsWith("appearance.")) fields.set(path.slice("appearance.".length), message);
    else if (path === "size" || path === "margin") fields.set(`download-${path}`, message);
    else others.push([path, message]);
  }
  return { fields, others };
}

/** The file name the download's Content-Disposition gives, or one made from the code's name. */
function attachmentName(response: Response, fallback: string): string {
  const header = response.headers.get("Content-Disposition") ?? "";
  const exact = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  if (exact) {
    try {
      return decodeURIComponent(exact);
    } catch {
      // fall through to the ASCII name
    }
  }
  return /filename="([^"]+)"/i.exec(header)?.[1] ?? fallback;
}

function focusFirstInvalid() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('.designer [aria-invalid="true"], .designer .notice-error')?.focus());
}

/** `canWrite` false shows the design read-only (the shell sends viewers elsewhere today). */
export default function Designer({ id, canWrite = true }: { id: string; canWrite?: boolean }) {
  const [code, setCode] = useState<QrCode | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const etag = useRef<string | null>(null);
  const [saved, setSaved] = useState<Appearance | null>(null);
  const [draft, setDraft] = useState<Appearance | null>(null);
  const [size, setSize] = useState(DEFAULT_SIZE);
  const [margin, setMargin] = useState(DEFAULT_MARGIN);
  const [format, setFormat] = useState<"png" | "svg">("png");
  const [logo, setLogo] = useState<Logo | null>(null);
  const [violations, setViolations] = useState<Errors>(new Map());
  const [notice, setNotice] = useState<{ kind: "error" | "success" | "info"; text: string; list?: [string, string][] } | null>(null);
  const [busy, setBusy] = useState<null | "saving" | "downloading" | "importing">(null);

  function adopt(next: QrCode, response: Response) {
    setCode(next);
    etag.current = response.headers.get("ETag");
    const appearance = next.appearance as Appearance;
    setSaved(appearance);
    setDraft(appearance);
  }

  useEffect(() => {
    let current = true;
    api.GET("/qr_codes/{id}", { params: { path: { id } } }).then(({ data, error, response }) => {
      if (!current) return;
      if (data) adopt(data as QrCode, response);
      else setLoadError(problemMessage(error, response));
    });
    return () => {
      current = false;
    };
  }, [id]);

  // The uploaded logo's bytes, fetched once per upload (GET /files/{id} is this origin's).
  const wantedLogo = draft ? logoPath(draft.uploadedImage) : null;
  useEffect(() => {
    if (wantedLogo === null || logo?.path === wantedLogo) return;
    let current = true;
    setLogo({ path: wantedLogo, bytes: null });
    fetch(wantedLogo, { credentials: "same-origin" })
      .then(async (response) => {
        if (!response.ok) throw new Error(String(response.status));
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (current) setLogo({ path: wantedLogo, bytes });
      })
      .catch(() => current && setLogo({ path: wantedLogo, bytes: null, failed: true }));
    return () => {
      current = false;
    };
  }, [wantedLogo]);

  const content = useMemo(() => (code ? encodedContent(code) : ""), [code]);
  const logoBytes = wantedLogo !== null && logo?.path === wantedLogo ? logo.bytes : null;
  const input = useMemo<PreviewInput | null>(() => (draft ? { content, appearance: draft, size, margin, logo: logoBytes } : null), [content, draft, size, margin, logoBytes]);
  const state = usePreview(input);
  const preview = state && "preview" in state ? state.preview : null;
  // Until an uploaded logo's bytes arrive the preview is drawn without it: not yet the design.
  const logoPending = wantedLogo !== null && logoBytes === null && !(logo?.path === wantedLogo && logo.failed);
  const settled = state !== null && state.drawn === input && !logoPending;

  // The last image drawn stays on screen while a design is refused, marked as not current. It is
  // shown as an image (a data: URL of the engine's SVG, byte for byte), never inserted as markup.
  const [shown, setShown] = useState<string | null>(null);
  useEffect(() => {
    if (preview?.svg) setShown(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(preview.svg)}`);
  }, [preview?.svg]);

  const unsaved = draft !== null && saved !== null && JSON.stringify(draft) !== JSON.stringify(saved);
  useEffect(() => {
    if (!unsaved) return;
    // Closing or reloading the tab with unsaved changes asks first (the browser's own dialog).
    const ask = (event: BeforeUnloadEvent) => event.preventDefault();
    addEventListener("beforeunload", ask);
    return () => removeEventListener("beforeunload", ask);
  }, [unsaved]);

  if (loadError) return <Notice kind="error">{loadError}</Notice>;
  if (!code || !draft || !saved) return <p aria-live="polite">Loading…</p>;

  const dirty = unsaved;
  const { fields: errors } = splitViolations(violations);
  const problem = preview?.problem ?? null;
  if (problem?.field && problem.field !== "content") {
    const at = problem.field === "size" ? "download-size" : problem.field;
    if (!errors.has(at)) errors.set(at, problem.words);
  }
  const logoNote =
    draft.uploadedImage !== null && wantedLogo === null
      ? "The logo is on another site, which the console may not fetch: the preview is drawn without it. Upload it here to see it."
      : logo?.path === wantedLogo && logo.failed
        ? "The uploaded logo could not be loaded: the preview is drawn without it."
        : null;

  function change(patch: Partial<Appearance>) {
    setDraft((current) => (current ? { ...current, ...patch } : current));
    // A violation goes once the field it names changes.
    if (violations.size > 0) {
      const touched = Object.keys(patch);
      setViolations(new Map([...violations].filter(([path]) => !touched.some((field) => path === `appearance.${field}` || path.startsWith(`appearance.${field}.`)))));
    }
    setNotice(null);
  }

  /** PATCH the appearance (a merge patch; If-Match refuses it when someone else saved meanwhile). */
  async function patchAppearance(appearance: Record<string, unknown>, done: string): Promise<void> {
    const { data, error, response } = await api.PATCH("/qr_codes/{id}", {
      params: { path: { id } },
      body: { appearance } as never,
      headers: { "Content-Type": "application/merge-patch+json", ...(etag.current ? { "If-Match": etag.current } : {}) },
    });
    if (data) {
      adopt(data as QrCode, response);
      setViolations(new Map());
      setNotice({ kind: "success", text: done });
      return;
    }
    if (response.status === 412) {
      setNotice({ kind: "error", text: "Someone changed this code since you opened it. Reload the page to design from their version (your changes here are not saved)." });
      return;
    }
    const found = violationsOf(error);
    setViolations(found);
    const rest = splitViolations(found).others;
    setNotice({ kind: "error", text: found.size > 0 ? "The design was not saved: some options need attention." : problemMessage(error, response), list: rest });
    focusFirstInvalid();
  }

  async function save(event?: Event) {
    event?.preventDefault();
    if (!canWrite || busy) return;
    setBusy("saving");
    try {
      await patchAppearance(draft as unknown as Record<string, unknown>, "Saved. Downloads now draw this design.");
    } catch {
      setNotice({ kind: "error", text: "The server could not be reached." });
    } finally {
      setBusy(null);
    }
  }

  async function importFile(file: File) {
    setBusy("importing");
    try {
      const read = await readAppearanceFile(file);
      if ("error" in read) setNotice({ kind: "error", text: read.error });
      else await patchAppearance(read.appearance, `Imported ${file.name} and saved.`);
    } catch {
      setNotice({ kind: "error", text: "The server could not be reached." });
    } finally {
      setBusy(null);
    }
  }

  async function download() {
    setBusy("downloading");
    try {
      const { data, error, response } = await api.POST("/qr_codes/{id}/download", { params: { path: { id } }, body: { format, size, margin }, parseAs: "blob" });
      if (data) {
        saveFile(data as Blob, attachmentName(response, `${fileSlug(code!.name)}.${format}`));
        setNotice({ kind: "info", text: `Downloaded the ${format.toUpperCase()} at ${size} px.` });
      } else {
        const found = violationsOf(error);
        setViolations(found);
        setNotice({ kind: "error", text: problemMessage(error, response), list: splitViolations(found).others });
      }
    } catch {
      setNotice({ kind: "error", text: "The server could not be reached." });
    } finally {
      setBusy(null);
    }
  }

  const groupProps: GroupProps = { appearance: draft, errors, onChange: change, canWrite };
  const verdictKind = problem ? "refused" : preview?.scannability.guarantee === "universal" ? "universal" : "relaxed";

  return (
    <section class="designer" aria-labelledby="designer-title">
      <div class="screen-head">
        <h1 id="designer-title">Design: {code.name}</h1>
        <a class="button subtle" href={`#/codes/${encodeURIComponent(code.id)}`}>
          Back to the code
        </a>
      </div>
      <div class="designer-layout">
        <div class="designer-side">
          <figure
            class={settled && preview?.svg ? "designer-preview card" : "designer-preview card designer-preview-stale"}
            aria-busy={!settled}
            data-size={size}
            data-margin={margin}
          >
            {shown ? <img data-preview src={shown} alt={`Preview of ${code.name} as designed`} width={320} height={320} /> : <div class="preview-placeholder">Drawing…</div>}
            <figcaption>
              <p class={`verdict verdict-${verdictKind}`} role="status" aria-live="polite">
                {state && "failure" in state ? `The preview cannot draw this design: ${state.failure}` : (preview?.summary ?? "Drawing the preview…")}
              </p>
              {logoNote ? <p class="hint">{logoNote}</p> : null}
              <p class="hint">
                Drawn here exactly as the download draws it{preview?.symbol ? ` (version ${preview.symbol.version}, level ${preview.symbol.errorCorrectionLevel})` : ""}.
              </p>
            </figcaption>
          </figure>

          {notice ? (
            <div class={`notice notice-${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"} tabIndex={-1}>
              <p>{notice.text}</p>
              {notice.list && notice.list.length > 0 ? (
                <ul>
                  {notice.list.map(([path, message]) => (
                    <li key={path}>
                      <code>{path}</code>: {message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}

          {canWrite ? (
            <div class="actions">
              <button class="button primary" type="submit" form="designer-form" disabled={busy !== null || !dirty}>
                {busy === "saving" ? "Saving…" : "Save design"}
              </button>
              <button class="button" type="button" disabled={!dirty || busy !== null} onClick={() => (setDraft(saved), setViolations(new Map()), setNotice(null))}>
                Undo changes
              </button>
              <span class="muted" aria-live="polite">
                {dirty ? "Unsaved changes" : "All changes saved"}
              </span>
            </div>
          ) : (
            <p class="muted">Your role can look at designs but not change them.</p>
          )}

          <section class="card designer-download" aria-labelledby="download-title">
            <h2 id="download-title">Download</h2>
            {dirty ? <p class="hint">Downloads draw the saved design: save first to download what you see.</p> : null}
            <div class="download-options">
              <NumberField field="download-size" label="Size (pixels)" error={errors.get("download-size")} value={size} min={MIN_SIZE} max={MAX_SIZE} onChange={setSize} />
              <NumberField field="download-margin" label="Margin (pixels)" error={errors.get("download-margin")} value={margin} min={0} max={MAX_MARGIN} onChange={setMargin} />
              <FieldFrame id="download-format" label="Format">
                {() => (
                  <select id="download-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as "png" | "svg")}>
                    <option value="png">PNG</option>
                    <option value="svg">SVG</option>
                  </select>
                )}
              </FieldFrame>
            </div>
            <button class="button" type="button" disabled={busy !== null} onClick={download}>
              {busy === "downloading" ? "Downloading…" : `Download ${format.toUpperCase()}`}
            </button>
          </section>
        </div>

        <div class="designer-controls">
          <section class="card" aria-labelledby="presets-title">
            <h2 id="presets-title">Presets</h2>
            <p class="hint">Each restyles the design (not saved until you save); every one reads in every decoder we test.</p>
            <div class="preset-list">
              {PRESETS.map((preset) => (
                <button key={preset.name} class="button" type="button" onClick={() => change(preset.apply(draft))}>
                  {preset.name}
                </button>
              ))}
            </div>
          </section>

          <section class="card" aria-labelledby="file-title">
            <h2 id="file-title">Appearance file</h2>
            <div class="actions">
              <button class="button" type="button" onClick={() => exportAppearance(draft, code.name)}>
                Export appearance JSON
              </button>
            </div>
            {canWrite ? (
              <div class="field">
                <label for="design-import">Import appearance JSON</label>
                <p class="hint" id="design-import-hint">
                  Replaces the options the file names and saves the design; the API checks it first.
                </p>
                <input
                  id="design-import"
                  type="file"
                  accept="application/json,.json"
                  aria-describedby="design-import-hint"
                  disabled={busy !== null}
                  onChange={(e) => {
                    const file = e.currentTarget.files?.[0];
                    e.currentTarget.value = "";
                    if (file) void importFile(file);
                  }}
                />
              </div>
            ) : null}
          </section>
          <form id="designer-form" onSubmit={save} noValidate aria-label="Design options">
            <DotsGroup {...groupProps} />
            <CornerSquaresGroup {...groupProps} />
            <CornerDotsGroup {...groupProps} />
            <BackgroundGroup {...groupProps} />
            <ImageGroup {...groupProps} />
            <QrOptionsGroup {...groupProps} />
            <FrameGroup {...groupProps} />
            <ScannabilityGroup {...groupProps} />
          </form>
        </div>
      </div>
    </section>
  );
}
