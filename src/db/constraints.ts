/**
 * Whether a D1 error is a UNIQUE constraint violation, optionally on a given table: the signal a
 * batch lost a race (a token or key taken meanwhile) rather than failed.
 */
export function isUniqueViolation(err: unknown, table?: string): boolean {
  return err instanceof Error && /UNIQUE constraint failed/i.test(err.message) && (table === undefined || err.message.includes(`${table}.`));
}
