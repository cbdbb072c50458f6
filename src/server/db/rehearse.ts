import type { Db } from "./client";

const rolledBack = Symbol("rehearsal rolled back");

/**
 * Does `work` in a savepoint of the open transaction and undoes it: the database does the same work as for real,
 * nothing is kept, and the notifications it sends are dropped with it. For answers that must take as long whether
 * or not there was anything to do (a password reset for an account that does not exist). A rehearsal never fails
 * its caller.
 */
export async function rehearse(tx: Db, work: (savepoint: Db) => Promise<unknown>): Promise<void> {
  await tx
    .transaction(async (savepoint) => {
      await work(savepoint);
      throw rolledBack;
    })
    .catch(() => {});
}

/** Does `work` in a savepoint that is kept: the real counterpart of `rehearse`, so both cost the same statements. */
export async function inSavepoint<Result>(tx: Db, work: (savepoint: Db) => Promise<Result>): Promise<Result> {
  return tx.transaction(work);
}
