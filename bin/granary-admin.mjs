#!/usr/bin/env node
// `granary-admin`: the admin command line for the server's operator (see src/cli/admin/main.ts). Like bin/granary.mjs
// it runs the TypeScript sources through tsx.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/cjs/api";

const here = path.dirname(fileURLToPath(import.meta.url));
register();
const require = createRequire(import.meta.url);
const { main } = require(path.join(here, "..", "src", "cli", "admin", "main.ts"));
process.exitCode = await main(process.argv.slice(2));
