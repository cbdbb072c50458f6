#!/usr/bin/env node
// The `granary` command. The CLI is written in TypeScript beside the server's code and shares its types, so it
// runs through tsx (a dependency) instead of a separate build step. This package is CommonJS by default, so the
// sources load through tsx's CommonJS hooks.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/cjs/api";

const here = path.dirname(fileURLToPath(import.meta.url));
register();
const require = createRequire(import.meta.url);
const { main } = require(path.join(here, "..", "src", "cli", "main.ts"));
process.exitCode = await main(process.argv.slice(2));
