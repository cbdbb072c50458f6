/** Every job Granary runs. A definition not listed here is never served by a worker nor registered with Inngest. */
import type { AnyJobDefinition } from "./definition";
import { checkDirectoryAccountsJob } from "./definitions/check-directory-accounts";
import { installApplicationJob } from "./definitions/install-application";
import { dailyReportMailJob } from "./definitions/daily-report-mail";
import { deletePublicObjectsJob } from "./definitions/delete-public-objects";
import { deliverEmailJob } from "./definitions/deliver-email";
import { licenseNoticesJob } from "./definitions/license-notices";
import { purgeExpiredRecordsJob } from "./definitions/purge-expired-records";
import { purgeFinishedJobRunsJob } from "./definitions/purge-finished-job-runs";
import { purgeSystemLogsJob } from "./definitions/purge-system-logs";
import { removeUnreferencedBlobsJob } from "./definitions/remove-unreferenced-blobs";
import { rollUpDownloadsJob } from "./definitions/roll-up-downloads";
import { runApplicationTaskJob } from "./definitions/run-application-task";
import { statisticsSnapshotJob } from "./definitions/statistics-snapshot";
import { tokenExpiryNoticesJob } from "./definitions/token-expiry-notices";

export const jobDefinitions: readonly AnyJobDefinition[] = [
  deliverEmailJob,
  tokenExpiryNoticesJob,
  purgeExpiredRecordsJob,
  rollUpDownloadsJob,
  statisticsSnapshotJob,
  removeUnreferencedBlobsJob,
  purgeFinishedJobRunsJob,
  purgeSystemLogsJob,
  checkDirectoryAccountsJob,
  licenseNoticesJob,
  dailyReportMailJob,
  deletePublicObjectsJob,
  installApplicationJob,
  runApplicationTaskJob,
] as unknown as readonly AnyJobDefinition[];

export function findJobDefinition(id: string): AnyJobDefinition | undefined {
  return jobDefinitions.find((definition) => definition.id === id);
}
