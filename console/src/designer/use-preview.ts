// The live preview: every change schedules one draw on the next animation frame, so typing and
// dragging a slider never wait for the engine; changes made while a draw runs are folded into one
// more draw of the latest design when it ends (never a queue of stale ones).
import { useEffect, useRef, useState } from "preact/hooks";
import { type DesignPreview, drawPreview, type PreviewInput } from "./engine";

export type PreviewState = { preview: DesignPreview; drawn: PreviewInput } | { failure: string; drawn: PreviewInput } | null;

export function usePreview(input: PreviewInput | null): PreviewState {
  const [state, setState] = useState<PreviewState>(null);
  const latest = useRef<PreviewInput | null>(null);
  const scheduled = useRef(false);
  const drawing = useRef(false);

  useEffect(() => {
    latest.current = input;
    if (input === null) return;
    const drawLatest = async () => {
      scheduled.current = false;
      const asked = latest.current;
      if (!asked) return;
      drawing.current = true;
      try {
        const preview = await drawPreview(asked);
        // Drawn for an older design while a newer one waits: the newer one is drawn next.
        if (asked === latest.current) setState({ preview, drawn: asked });
      } catch (err) {
        // Not a refusal (those come back in words) but a design the engine cannot read at all.
        if (asked === latest.current) setState({ failure: err instanceof Error ? err.message : String(err), drawn: asked });
      } finally {
        drawing.current = false;
        if (asked !== latest.current) schedule();
      }
    };
    const schedule = () => {
      if (scheduled.current || drawing.current) return;
      scheduled.current = true;
      requestAnimationFrame(() => void drawLatest());
    };
    schedule();
  }, [input]);

  return state;
}
