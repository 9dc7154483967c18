import type { ComponentChildren, RefObject } from "preact";
import { Notice } from "./field";

/**
 * The confirmation before something is deleted for good: a modal <dialog> (opened by the caller
 * through `dialog`), focus on "Keep it" so Enter keeps it, Escape closes it, the refusal shown in it.
 */
export function ConfirmDelete({ dialog, title, error, onConfirm, children }: { dialog: RefObject<HTMLDialogElement | null>; title: string; error: string | null; onConfirm: () => void; children: ComponentChildren }) {
  return (
    <dialog ref={dialog} aria-labelledby="delete-title" class="card">
      <h2 id="delete-title">{title}</h2>
      <p>{children}</p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <div class="actions">
        <button class="button danger" type="button" onClick={onConfirm}>
          Delete for good
        </button>
        <button class="button" type="button" autofocus onClick={() => dialog.current?.close()}>
          Keep it
        </button>
      </div>
    </dialog>
  );
}
