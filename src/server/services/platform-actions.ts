/** What Admin → Actions shows: the site's mode, the latest platform restart and the latest deletion of public objects. */
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { latestPlatformRestart } from "./platform-restart";
import { countPublicPackages, latestPublicObjectsDeletion } from "./public-objects-deletion";
import { currentSiteMode } from "./site-mode";

export async function getPlatformActions(db: Db, actor: Actor) {
  assertCan(actor, "admin:platform:read");
  const [mode, restart, deletion, publicPackages] = await Promise.all([
    currentSiteMode(db),
    latestPlatformRestart(db),
    latestPublicObjectsDeletion(db),
    countPublicPackages(db),
  ]);
  return { mode, restart, deletion, publicPackages };
}
