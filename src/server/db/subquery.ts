import { sql, type SQL } from "drizzle-orm";

/**
 * A correlated subquery as a field of a select from one table. Drizzle writes the columns at the top of such a
 * field without their table's name, so in `where group_members.group_id = groups.id` the outer `groups.id` would
 * read as `id` and bind to a table inside the subquery; wrapped in a nested SQL, columns keep their table.
 */
export function subquery<Result>(query: SQL): SQL<Result> {
  return sql<Result>`${query}`;
}
