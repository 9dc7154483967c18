// Every appearance option, grouped as qr-code-styling's demo groups them (dots, corner squares,
// corner dots, background, image, QR options), then the frame and the scannability guarantee.
import { useState } from "preact/hooks";
import { ENCODING_MODES } from "../../../src/qr/encode";
import { BUILTIN_ICONS } from "../../../src/qr/icons";
import { BUILTIN_ICON_KEYS, CORNER_DOT_TYPES, CORNER_SQUARE_TYPES, DOT_TYPES, ECC_LEVELS, FRAME_STYLES, MAX_FRAME_TEXT_LENGTH, SCANNABILITY } from "../../../src/qr/browser";
import { api, problemMessage, violationsOf } from "../api";
import { CheckboxField, ColorField, controlId, Group, NumberField, OptionalColorField, RangeField, SelectField } from "./controls";
import type { Appearance } from "./engine";
import { GradientEditor } from "./gradient-editor";

export interface GroupProps {
  appearance: Appearance;
  /** violations and the engine's verdict, by appearance field */
  errors: Map<string, string>;
  onChange: (patch: Partial<Appearance>) => void;
  /** false for a viewer: uploads are writes */
  canWrite: boolean;
}

/** "classy-rounded" → "Classy rounded" */
const words = (value: string) => (value.charAt(0).toUpperCase() + value.slice(1)).replace(/-/g, " ");
const choicesOf = <T extends string>(values: readonly T[]) => values.map((value) => ({ value, label: words(value) }));

const FRAME_LABELS: Record<(typeof FRAME_STYLES)[number], string> = {
  none: "No frame",
  "banner-bottom": "Banner below",
  "banner-top": "Banner above",
  rounded: "Rounded banner below",
  caption: "Thin border, caption below",
  bubble: "Speech bubble",
};

export function DotsGroup({ appearance: a, errors, onChange }: GroupProps) {
  return (
    <Group title="Dots">
      <SelectField field="dotsOptionsType" label="Dot style" error={errors.get("dotsOptionsType")} value={a.dotsOptionsType} choices={choicesOf(DOT_TYPES)} onChange={(v) => onChange({ dotsOptionsType: v })} />
      <ColorField field="dotsOptionsColor" label="Dots colour" error={errors.get("dotsOptionsColor")} value={a.dotsOptionsColor} onChange={(v) => onChange({ dotsOptionsColor: v })} />
      <GradientEditor layer="dotsOptions" name="Dots" appearance={a} baseColor={a.dotsOptionsColor} errors={errors} onChange={onChange} />
      <CheckboxField field="dotsOptionsRoundSize" label="Round dot sizes to whole pixels" hint="Crisper edges; the code may shrink by a few pixels inside its margin" error={errors.get("dotsOptionsRoundSize")} value={a.dotsOptionsRoundSize} onChange={(v) => onChange({ dotsOptionsRoundSize: v })} />
    </Group>
  );
}

export function CornerSquaresGroup({ appearance: a, errors, onChange }: GroupProps) {
  return (
    <Group title="Corner squares">
      <SelectField
        field="cornersSquareOptionsType"
        label="Corner square style"
        error={errors.get("cornersSquareOptionsType")}
        value={a.cornersSquareOptionsType}
        choices={[{ value: null, label: "Same as the dots" }, ...choicesOf(CORNER_SQUARE_TYPES)]}
        onChange={(v) => onChange({ cornersSquareOptionsType: v })}
      />
      <OptionalColorField field="cornersSquareOptionsColor" label="Corner squares colour" inheritLabel="Corner squares in the dots' colour" error={errors.get("cornersSquareOptionsColor")} value={a.cornersSquareOptionsColor} fallback={a.dotsOptionsColor} onChange={(v) => onChange({ cornersSquareOptionsColor: v })} />
      <GradientEditor layer="cornersSquareOptions" name="Corner squares" appearance={a} baseColor={a.cornersSquareOptionsColor ?? a.dotsOptionsColor} errors={errors} onChange={onChange} />
    </Group>
  );
}

export function CornerDotsGroup({ appearance: a, errors, onChange }: GroupProps) {
  return (
    <Group title="Corner dots">
      <SelectField
        field="cornersDotOptionsType"
        label="Corner dot style"
        error={errors.get("cornersDotOptionsType")}
        value={a.cornersDotOptionsType}
        choices={[{ value: null, label: "Same as the dots" }, ...choicesOf(CORNER_DOT_TYPES)]}
        onChange={(v) => onChange({ cornersDotOptionsType: v })}
      />
      <OptionalColorField field="cornersDotOptionsColor" label="Corner dots colour" inheritLabel="Corner dots in the dots' colour" error={errors.get("cornersDotOptionsColor")} value={a.cornersDotOptionsColor} fallback={a.dotsOptionsColor} onChange={(v) => onChange({ cornersDotOptionsColor: v })} />
      <GradientEditor layer="cornersDotOptions" name="Corner dots" appearance={a} baseColor={a.cornersDotOptionsColor ?? a.dotsOptionsColor} errors={errors} onChange={onChange} />
    </Group>
  );
}

export function BackgroundGroup({ appearance: a, errors, onChange }: GroupProps) {
  return (
    <Group title="Background">
      <ColorField field="backgroundOptionsColor" label="Background colour" error={errors.get("backgroundOptionsColor")} value={a.backgroundOptionsColor} onChange={(v) => onChange({ backgroundOptionsColor: v })} />
      <GradientEditor layer="backgroundOptions" name="Background" appearance={a} baseColor={a.backgroundOptionsColor} errors={errors} onChange={onChange} />
    </Group>
  );
}

/** POST /files (purpose logo) with the session: the upload's id, or the API's words for the refusal. */
async function uploadLogo(file: File): Promise<{ id: string } | { error: string }> {
  const form = new FormData();
  form.append("purpose", "logo");
  form.append("file", file, file.name);
  const { data, error, response } = await api.POST("/files", { body: form as never, bodySerializer: (body) => body as unknown as FormData });
  if (data) return { id: data.id };
  return { error: violationsOf(error).get("file") ?? problemMessage(error, response) };
}

/** An icon's drawing as a small image (a data: URL: the console's CSP allows no inline markup styles). */
const iconImage = (body: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" color="#0f172a">${body}</svg>`)}`;

/** The built-in icons as a radio group (arrow keys move between them), "None" first, each drawn beside its name. */
function IconPicker({ value, error, onChange }: { value: string | null; error?: string; onChange: (key: string | null) => void }) {
  const id = controlId("predefinedImage");
  return (
    <fieldset class="icon-picker" id={id} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>Built-in icon</legend>
      {error ? (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
      {[null, ...BUILTIN_ICON_KEYS].map((key) => {
        const optionId = `${id}-${key ?? "none"}`;
        return (
          <div class="icon-option" key={key ?? "none"}>
            <input id={optionId} type="radio" name="predefinedImage" checked={value === key} onChange={() => onChange(key)} />
            <label for={optionId}>
              {key === null ? null : <img src={iconImage(BUILTIN_ICONS[key]!.body)} alt="" width={20} height={20} />}
              {key === null ? "None" : (BUILTIN_ICONS[key]?.title ?? words(key))}
            </label>
          </div>
        );
      })}
    </fieldset>
  );
}

export function ImageGroup({ appearance: a, errors, onChange, canWrite }: GroupProps) {
  const [status, setStatus] = useState<string | null>(null);
  const uploadId = controlId("uploadedImage");
  const uploadError = errors.get("uploadedImage");
  return (
    <Group title="Image">
      <IconPicker value={a.predefinedImage} error={errors.get("predefinedImage")} onChange={(key) => onChange({ predefinedImage: key })} />
      <div class={uploadError ? "field field-invalid" : "field"}>
        <label for={uploadId}>Your logo (PNG, JPEG or WebP)</label>
        <p class="hint" id={`${uploadId}-hint`}>
          {a.uploadedImage ? "A logo is uploaded: it is drawn instead of the built-in icon." : "Drawn in the middle instead of the built-in icon."}
        </p>
        <input
          id={uploadId}
          type="file"
          accept="image/png,image/jpeg,image/webp"
          disabled={!canWrite}
          aria-describedby={[`${uploadId}-hint`, uploadError ? `${uploadId}-error` : ""].filter(Boolean).join(" ")}
          aria-invalid={Boolean(uploadError)}
          onChange={async (e) => {
            const file = e.currentTarget.files?.[0];
            if (!file) return;
            setStatus("Uploading…");
            const result = await uploadLogo(file);
            if ("id" in result) {
              onChange({ uploadedImage: result.id });
              setStatus(`Uploaded ${file.name}`);
            } else setStatus(result.error);
          }}
        />
        {uploadError ? (
          <p class="error" id={`${uploadId}-error`}>
            {uploadError}
          </p>
        ) : null}
        {status ? (
          <p class="hint" role="status">
            {status}
          </p>
        ) : null}
        {a.uploadedImage ? (
          <button class="button subtle" type="button" onClick={() => (onChange({ uploadedImage: null }), setStatus("Logo removed"))}>
            Remove the logo
          </button>
        ) : null}
      </div>
      <RangeField field="imageOptionsImageSize" label="Image size" hint="A share of the code's width" percent error={errors.get("imageOptionsImageSize")} value={a.imageOptionsImageSize} min={0} max={1} step={0.05} onChange={(v) => onChange({ imageOptionsImageSize: v })} />
      <NumberField field="imageOptionsMargin" label="Space around the image (pixels)" error={errors.get("imageOptionsMargin")} value={a.imageOptionsMargin} min={0} max={100} onChange={(v) => onChange({ imageOptionsMargin: v })} />
      <CheckboxField field="imageOptionsHideBackgroundDots" label="Hide the dots behind the image" error={errors.get("imageOptionsHideBackgroundDots")} value={a.imageOptionsHideBackgroundDots} onChange={(v) => onChange({ imageOptionsHideBackgroundDots: v })} />
    </Group>
  );
}

export function QrOptionsGroup({ appearance: a, errors, onChange }: GroupProps) {
  return (
    <Group title="QR options">
      <SelectField
        field="qrOptionsErrorCorrectionLevel"
        label="Error correction"
        hint="Higher levels survive more damage (and a logo) but need more dots"
        error={errors.get("qrOptionsErrorCorrectionLevel")}
        value={a.qrOptionsErrorCorrectionLevel}
        choices={ECC_LEVELS.map((level) => ({ value: level, label: { L: "L (7%)", M: "M (15%)", Q: "Q (25%)", H: "H (30%)" }[level] }))}
        onChange={(v) => onChange({ qrOptionsErrorCorrectionLevel: v })}
      />
      <NumberField field="qrOptionsTypeNumber" label="QR version" hint="0 chooses the smallest that fits; 1 to 40 fixes it" error={errors.get("qrOptionsTypeNumber")} value={a.qrOptionsTypeNumber} min={0} max={40} onChange={(v) => onChange({ qrOptionsTypeNumber: v })} />
      <SelectField
        field="qrOptionsMode"
        label="Encoding mode"
        error={errors.get("qrOptionsMode")}
        value={a.qrOptionsMode}
        choices={[{ value: null, label: "Automatic" }, ...ENCODING_MODES.map((mode) => ({ value: mode, label: mode }))]}
        onChange={(v) => onChange({ qrOptionsMode: v })}
      />
      <SelectField field="shape" label="Shape" error={errors.get("shape")} value={a.shape} choices={choicesOf(["square", "circle"] as const)} onChange={(v) => onChange({ shape: v })} />
      <NumberField field="margin" label="Saved margin (pixels)" hint="Kept with the design; the preview and downloads here use the download margin below the preview" error={errors.get("margin")} value={a.margin} min={0} max={1000} onChange={(v) => onChange({ margin: v })} />
    </Group>
  );
}

export function FrameGroup({ appearance: a, errors, onChange }: GroupProps) {
  return (
    <Group title="Frame">
      <SelectField
        field="frameStyle"
        label="Frame style"
        error={errors.get("frameStyle")}
        value={a.frameStyle}
        choices={FRAME_STYLES.map((style) => ({ value: style, label: FRAME_LABELS[style] }))}
        // The API wants a text with a frame and none without: the designer keeps the two together.
        onChange={(v) => onChange(v === "none" ? { frameStyle: v, frameText: null } : { frameStyle: v, frameText: a.frameText ?? "SCAN ME" })}
      />
      {a.frameStyle === "none" ? null : (
        <>
          <FrameTextField value={a.frameText ?? ""} error={errors.get("frameText")} onChange={(v) => onChange({ frameText: v })} />
          <ColorField field="frameColor" label="Frame colour" error={errors.get("frameColor")} value={a.frameColor} onChange={(v) => onChange({ frameColor: v })} />
          <OptionalColorField field="frameTextColor" label="Frame text colour" inheritLabel="Frame text colour chosen for contrast" error={errors.get("frameTextColor")} value={a.frameTextColor} fallback="#ffffff" onChange={(v) => onChange({ frameTextColor: v })} />
        </>
      )}
    </Group>
  );
}

function FrameTextField({ value, error, onChange }: { value: string; error?: string; onChange: (text: string | null) => void }) {
  const id = controlId("frameText");
  return (
    <div class={error ? "field field-invalid" : "field"}>
      <label for={id}>Frame text</label>
      <p class="hint" id={`${id}-hint`}>
        One line, up to {MAX_FRAME_TEXT_LENGTH} characters, such as SCAN ME
      </p>
      <input
        id={id}
        type="text"
        maxLength={MAX_FRAME_TEXT_LENGTH}
        value={value}
        aria-describedby={[`${id}-hint`, error ? `${id}-error` : ""].filter(Boolean).join(" ")}
        aria-invalid={Boolean(error)}
        onInput={(e) => onChange(e.currentTarget.value.trim() === "" ? null : e.currentTarget.value)}
      />
      {error ? (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

const SCANNABILITY_WORDS: Record<(typeof SCANNABILITY)[number], { label: string; description: string }> = {
  universal: { label: "Universal", description: "Shapes some decoders cannot read are drawn as the nearest shape every decoder reads" },
  relaxed: { label: "Relaxed", description: "Drawn exactly as designed; some decoders may fail (the verdict names them)" },
};

export function ScannabilityGroup({ appearance: a, errors, onChange }: GroupProps) {
  const id = controlId("scannability");
  return (
    <Group title="Scannability">
      <fieldset id={id} class="radio-list">
        <legend>Which decoders the design is drawn for</legend>
        {errors.get("scannability") ? <p class="error">{errors.get("scannability")}</p> : null}
        {SCANNABILITY.map((value) => (
          <div class="radio-option" key={value}>
            <input id={`${id}-${value}`} type="radio" name="scannability" checked={a.scannability === value} aria-describedby={`${id}-${value}-description`} onChange={() => onChange({ scannability: value })} />
            <label for={`${id}-${value}`}>{SCANNABILITY_WORDS[value].label}</label>
            <span class="hint" id={`${id}-${value}-description`}>
              {SCANNABILITY_WORDS[value].description}
            </span>
          </div>
        ))}
      </fieldset>
    </Group>
  );
}
