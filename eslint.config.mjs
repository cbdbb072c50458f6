import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTypescript,
  globalIgnores([".next/**", ".data/**", "node_modules/**", "drizzle/**", "test-results/**", "playwright-report/**", "next-env.d.ts"]),
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Only src/env.ts reads the environment; test harnesses and tooling configs set it up. The CLI is a separate
    // program on users' machines, so it reads its own few variables in src/cli/environment.ts.
    files: ["src/**/*.{ts,tsx}"],
    ignores: ["src/env.ts", "src/cli/environment.ts", "src/test/**", "src/**/*.test.ts", "src/**/*.test.tsx"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read the environment through src/env.ts." }],
    },
  },
]);
