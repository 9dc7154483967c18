// The designer's controls: each one labelled, its hint and error read with it (FieldFrame's
// wiring), and each writing one appearance field. A control's id is `design-<field>`, so a
// violation or the engine's verdict on a field lands at the control that sets it.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { FieldFrame } from "../components/field";

export const controlId = (field: string) => `design-${field}`;

const HEX = /^#[0-9a-fA-F]{6}$/;

interface Common {
  field: string;
  label: string;
  hint?: string;
  error?: string;
}

/** A colour: the native picker and the hex text side by side, the text kept while it is half typed. */
export function ColorField({ field, label, hint, error, value, onChange }: Common & { value: string; onChange: (hex: string) => void }) {
  const id = controlId(field);
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const typo = text !== value && !HEX.test(text) ? "Type a colour as # and 6 hex digits, such as #1d4ed8" : undefined;
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error ?? typo}>
      {(describedBy, invalid) => (
        <div class="color-input">
          <input
            type="color"
            aria-label={`${label}: picker`}
            value={HEX.test(value) ? value.toLowerCase() : "#000000"}
            onInput={(e) => onChange(e.currentTarget.value)}
          />
          <input
            id={id}
            type="text"
            inputMode="text"
            spellcheck={false}
            maxLength={7}
            value={text}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(e) => {
              const next = e.currentTarget.value.trim();
              setText(next);
              if (HEX.test(next)) onChange(next.toLowerCase());
            }}
          />
        </div>
      )}
    </FieldFrame>
  );
}

/** A colour that may be left to another layer's (null): a checkbox says which. */
export function OptionalColorField(props: Common & { value: string | null; fallback: string; inheritLabel: string; onChange: (hex: string | null) => void }) {
  const { field, value, fallback, inheritLabel, onChange } = props;
  const inheritId = `${controlId(field)}-inherit`;
  return (
    <div class="optional-color">
      <div class="field checkbox">
        <input id={inheritId} type="checkbox" checked={value === null} onChange={(e) => onChange(e.currentTarget.checked ? null : fallback)} />
        <label for={inheritId}>{inheritLabel}</label>
      </div>
      {value === null ? (
        props.error ? (
          <p class="error" id={`${controlId(field)}-error`}>
            {props.error}
          </p>
        ) : null
      ) : (
        <ColorField {...props} value={value} onChange={onChange} />
      )}
    </div>
  );
}

export interface Choice<T> {
  value: T;
  label: string;
}

/** A list of options; `null` is a choice of its own ("Same as the dots", "Automatic"). */
export function SelectField<T extends string | number | null>({ field, label, hint, error, value, choices, onChange }: Common & { value: T; choices: readonly Choice<T>[]; onChange: (value: T) => void }) {
  const id = controlId(field);
  const key = (v: T) => (v === null ? "" : String(v));
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      {(describedBy, invalid) => (
        <select id={id} value={key(value)} aria-describedby={describedBy} aria-invalid={invalid} onChange={(e) => onChange(choices.find((c) => key(c.value) === e.currentTarget.value)!.value)}>
          {choices.map((choice) => (
            <option key={key(choice.value)} value={key(choice.value)}>
              {choice.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

/** A number typed or stepped; what is not a number in range is kept in the box and not applied. */
export function NumberField({ field, label, hint, error, value, min, max, step = 1, onChange }: Common & { value: number; min: number; max: number; step?: number; onChange: (value: number) => void }) {
  const id = controlId(field);
  const [text, setText] = useState(String(value));
  useEffect(() => setText((current) => (Number(current) === value ? current : String(value))), [value]);
  const parsed = Number(text);
  const outOfRange = text.trim() === "" || !Number.isFinite(parsed) || parsed < min || parsed > max ? `Choose a number from ${min} to ${max}` : undefined;
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error ?? (text !== String(value) ? outOfRange : undefined)}>
      {(describedBy, invalid) => (
        <input
          id={id}
          type="number"
          min={min}
          max={max}
          step={step}
          value={text}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          onInput={(e) => {
            const next = e.currentTarget.value;
            setText(next);
            const n = Number(next);
            if (next.trim() !== "" && Number.isFinite(n) && n >= min && n <= max) onChange(n);
          }}
        />
      )}
    </FieldFrame>
  );
}

/** A slider with its value in words beside it (a share shown as a percentage). */
export function RangeField({ field, label, hint, error, value, min, max, step, percent, onChange }: Common & { value: number; min: number; max: number; step: number; percent?: boolean; onChange: (value: number) => void }) {
  const id = controlId(field);
  const shown = percent ? `${Math.round(value * 100)}%` : String(value);
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      {(describedBy, invalid) => (
        <div class="range-input">
          <input
            id={id}
            type="range"
            min={min}
            max={max}
            step={step}
            value={value}
            aria-valuetext={shown}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(e) => onChange(Number(e.currentTarget.value))}
          />
          <output for={id}>{shown}</output>
        </div>
      )}
    </FieldFrame>
  );
}

export function CheckboxField({ field, label, hint, error, value, onChange }: Common & { value: boolean; onChange: (value: boolean) => void }) {
  const id = controlId(field);
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={error ? "field checkbox field-invalid" : "field checkbox"}>
      <input id={id} type="checkbox" checked={value} aria-describedby={described} aria-invalid={Boolean(error)} onChange={(e) => onChange(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** One group of options (Dots, Corner squares, …): a fieldset that folds away, open by default. */
export function Group({ title, children, open = true }: { title: string; children: ComponentChildren; open?: boolean }) {
  return (
    <details class="design-group" open={open}>
      <summary>{title}</summary>
      <fieldset>
        <legend class="visually-hidden">{title}</legend>
        {children}
      </fieldset>
    </details>
  );
}
