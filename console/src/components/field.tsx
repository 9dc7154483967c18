// One labelled form control with its hint and error, wired for screen readers: the label names
// the control, aria-describedby reads the hint and the error, aria-invalid marks a refusal.
import type { ComponentChildren } from "preact";

export interface FieldFrameProps {
  id: string;
  label: string;
  required?: boolean;
  hint?: string;
  error?: string;
  children: (describedBy: string | undefined, invalid: boolean) => ComponentChildren;
}

export function FieldFrame({ id, label, required, hint, error, children }: FieldFrameProps) {
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={error ? "field field-invalid" : "field"}>
      <label for={id}>
        {label}
        {required ? <span class="required"> (required)</span> : null}
      </label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {children(described, Boolean(error))}
      {error ? (
        <p class="error" id={`${id}-error`} data-field-error>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A message about the whole form or screen: errors are announced at once, notices politely. */
export function Notice({ kind, children }: { kind: "error" | "info" | "success"; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}
