import { z } from "zod";
import { checkDirectoryAccounts } from "../../services/ldap-accounts";
import { loadDirectoryConfig } from "../../services/ldap-settings";
import { defineJob } from "../definition";

/**
 * Once a day, with accounts from an LDAP directory, looks every directory account up again: those the user search
 * filter no longer finds (removed, or disabled as the filter defines it) are deactivated, their sessions ended and
 * their tokens stopped; the others get their e-mail, name and mapped groups refreshed. A directory that cannot be
 * asked fails the run (and it retries), so an outage deactivates nobody.
 */
export const checkDirectoryAccountsJob = defineJob({
  id: "check-directory-accounts",
  description: "Deactivates accounts gone from (or disabled in) the LDAP directory and refreshes the others' attributes and groups",
  input: z.object({}),
  priority: "low",
  retries: { limit: 3, delaySeconds: 900, backoff: true },
  timeoutSeconds: 1800,
  schedule: { cron: "23 4 * * *" },
  async run(_input, { db, log }) {
    const config = await loadDirectoryConfig(db);
    if (!config) {
      log.info("Accounts are Granary's own: no directory to check.");
      return { checked: 0, deactivated: 0, refreshed: 0 };
    }
    return checkDirectoryAccounts(db, config, log);
  },
});
