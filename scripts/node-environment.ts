/**
 * The launcher's first import: NODE_ENV is settled before any other module, React among them, is loaded (see
 * settleNodeEnvironment). Imports run in order, so this one must stay first in scripts/start.ts.
 */
import { settleNodeEnvironment } from "../src/env";

settleNodeEnvironment(process.argv.includes("--dev") ? "development" : "production");
