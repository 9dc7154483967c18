/** One violated rule of an input, named by its dotted path (`appearance.margin`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * Input that breaks a rule of the domain (content a builder rejects, a design that cannot be
 * drawn, a reference to a file that is not there). Thrown below `http/`; every API family renders
 * it as its own validation error (src/http/errors.ts maps it to a 400 with one violation per issue).
 */
export class InvalidInput extends Error {
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join("; "));
    this.name = "InvalidInput";
  }
}
