// A layer's gradient (dots, background, corner squares, corner dots): none, linear or radial, its
// rotation and 2 to 16 colour stops. Choosing a type starts from two stops in the layer's colour;
// choosing none clears the type, the rotation and the stops together, as the API requires.
import { GRADIENT_TYPES } from "../../../src/qr/browser";
import type { Appearance } from "./engine";
import { ColorField, controlId, NumberField, SelectField } from "./controls";

export type Layer = "dotsOptions" | "backgroundOptions" | "cornersSquareOptions" | "cornersDotOptions";
type Stop = { offset: number; color: string };

const MAX_STOPS = 16;
const MIN_STOPS = 2;

export function GradientEditor({ layer, name, appearance, baseColor, errors, onChange }: { layer: Layer; name: string; appearance: Appearance; baseColor: string; errors: Map<string, string>; onChange: (patch: Partial<Appearance>) => void }) {
  const typeField = `${layer}GradientType` as const;
  const rotationField = `${layer}GradientRotation` as const;
  const stopsField = `${layer}GradientColorStops` as const;
  const type = appearance[typeField];
  const rotation = appearance[rotationField];
  const stops: Stop[] = appearance[stopsField] ?? [];
  const setStops = (next: Stop[]) => onChange({ [stopsField]: next } as Partial<Appearance>);

  return (
    <div class="gradient-editor">
      <SelectField
        field={typeField}
        label={`${name} gradient`}
        error={errors.get(typeField)}
        value={type}
        choices={[{ value: null, label: "None (one colour)" }, ...GRADIENT_TYPES.map((t) => ({ value: t, label: t === "linear" ? "Linear" : "Radial" }))]}
        onChange={(next) =>
          onChange(
            (next === null
              ? { [typeField]: null, [rotationField]: null, [stopsField]: null }
              : {
                  [typeField]: next,
                  [stopsField]: stops.length >= MIN_STOPS ? stops : [
                    { offset: 0, color: baseColor },
                    { offset: 1, color: "#1d4ed8" },
                  ],
                }) as Partial<Appearance>,
          )
        }
      />
      {type === null ? null : (
        <>
          <NumberField
            field={rotationField}
            label={`${name} gradient rotation (radians)`}
            hint="0 runs left to right; 1.57 top to bottom"
            error={errors.get(rotationField)}
            value={rotation ?? 0}
            min={-1000}
            max={1000}
            step={0.1}
            onChange={(next) => onChange({ [rotationField]: next } as Partial<Appearance>)}
          />
          <fieldset class="stops" id={controlId(stopsField)} aria-describedby={errors.get(stopsField) ? `${controlId(stopsField)}-error` : undefined}>
            <legend>{name} gradient colour stops</legend>
            {errors.get(stopsField) ? (
              <p class="error" id={`${controlId(stopsField)}-error`}>
                {errors.get(stopsField)}
              </p>
            ) : null}
            {stops.map((stop, i) => (
              <div class="stop-row" key={i}>
                <ColorField field={`${stopsField}.${i}.color`} label={`Stop ${i + 1} colour`} error={errors.get(`${stopsField}.${i}.color`)} value={stop.color} onChange={(color) => setStops(stops.map((s, j) => (j === i ? { ...s, color } : s)))} />
                <NumberField
                  field={`${stopsField}.${i}.offset`}
                  label={`Stop ${i + 1} position (0 to 1)`}
                  error={errors.get(`${stopsField}.${i}.offset`)}
                  value={stop.offset}
                  min={0}
                  max={1}
                  step={0.05}
                  onChange={(offset) => setStops(stops.map((s, j) => (j === i ? { ...s, offset } : s)))}
                />
                <button class="button subtle" type="button" disabled={stops.length <= MIN_STOPS} onClick={() => setStops(stops.filter((_, j) => j !== i))}>
                  Remove stop {i + 1}
                </button>
              </div>
            ))}
            <button class="button" type="button" disabled={stops.length >= MAX_STOPS} onClick={() => setStops([...stops, { offset: 1, color: stops.at(-1)?.color ?? baseColor }])}>
              Add a colour stop
            </button>
          </fieldset>
        </>
      )}
    </div>
  );
}
