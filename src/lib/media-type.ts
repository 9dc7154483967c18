/** A Content-Type's media type, lower case, without its parameters ("Text/CSV; charset=utf-8" is "text/csv"). */
export function mediaTypeOf(contentType: string): string;
export function mediaTypeOf(contentType: string | null | undefined): string | undefined;
export function mediaTypeOf(contentType: string | null | undefined): string | undefined {
  return contentType ? contentType.split(";")[0]!.trim().toLowerCase() : undefined;
}
