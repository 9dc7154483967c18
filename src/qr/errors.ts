/** Every failure of the pure QR engine. `field` names the input at fault, for HTTP validation errors. */
export type QrErrorCode =
  | "CAPACITY_EXCEEDED"
  | "VERSION_TOO_SMALL"
  | "MODE_MISMATCH"
  | "INVALID_APPEARANCE"
  | "CANVAS_TOO_SMALL"
  | "IMAGE_TOO_LARGE"
  | "LOW_CONTRAST"
  | "INVALID_IMAGE"
  | "RASTER_UNAVAILABLE";

export class QrError extends Error {
  constructor(
    readonly code: QrErrorCode,
    message: string,
    readonly field?: string,
    /** For CANVAS_TOO_SMALL: the smallest canvas, in pixels, that would draw the code (when known). */
    readonly minimumSize?: number,
  ) {
    super(message);
    this.name = "QrError";
  }
}
