// Shared by the account tables' named SQL: RETURNING rows mapped, inside a batch or at once.

/** The row a RETURNING statement produced inside a batch, mapped. */
export function returned<Row, T>(result: D1Result, map: (row: Row) => T): T {
  const row = result.results[0] as Row | undefined;
  if (row === undefined) throw new Error("The statement returned no row");
  return map(row);
}

export async function runReturning<Row, T>(statement: D1PreparedStatement, map: (row: Row) => T): Promise<T> {
  const row = await statement.first<Row>();
  if (row === null) throw new Error("The statement returned no row");
  return map(row);
}
