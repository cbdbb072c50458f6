import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { createGranaryClient, isGranaryError, uploadFile } from "../src/client";
import { buildCondaPackage } from "../src/test/package-fixtures";
import { newAccount } from "./helpers";

const run = promisify(execFile);
const projectRoot = path.resolve(__dirname, "..");
// The README's "Typed client and CLI" example, character for character.
const example = path.join(projectRoot, "e2e", "fixtures", "client-example.ts");

test("the README's typed-client example type-checks and runs against the server with a token", async ({ baseURL }) => {
  test.setTimeout(180_000);
  const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
  expect(readme).toContain(`\`\`\`ts\n${fs.readFileSync(example, "utf8")}\`\`\``);

  // Type-checked with the project's compiler options, as a script in this repository would be.
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-client-"));
  const tsconfig = path.join(folder, "tsconfig.json");
  fs.writeFileSync(tsconfig, JSON.stringify({ extends: path.join(projectRoot, "tsconfig.json"), compilerOptions: { incremental: false, noEmit: true }, files: [example] }));
  const typescript = path.join(projectRoot, "node_modules", "typescript", "bin", "tsc");
  const checked = await run(process.execPath, [typescript, "-p", tsconfig], { cwd: projectRoot }).then(
    () => ({ code: 0, output: "" }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? "" }),
  );
  expect(checked).toEqual({ code: 0, output: "" });

  // A user with a token and a package to find.
  const url = baseURL!;
  const account = newAccount("api");
  await createGranaryClient({ url }).account.signUp.mutate({
    username: account.username,
    email: account.email,
    password: account.password,
    passwordConfirmation: account.password,
    acceptTerms: true,
  });
  const created = await createGranaryClient({ url, basic: { username: account.username, password: account.password } }).tokens.create.mutate({
    name: "readme-example",
    scopes: ["all"],
  });
  const granary = createGranaryClient({ url, token: created.secret });
  const progress: number[] = [];
  const published = await uploadFile({
    url,
    token: created.secret,
    owner: account.username,
    file: buildCondaPackage({ name: "client-tools", version: "3.0.1" }, folder),
    onProgress: ({ phase, bytes }) => phase === "uploading" && progress.push(bytes),
  });
  expect(published).toMatchObject({ owner: account.username, name: "client-tools", version: "3.0.1", labels: ["main"] });
  expect(progress.at(-1)).toBe(published.size);

  // Failures are typed: the tRPC code and the field errors.
  const failure = await granary.tokens.create.mutate({ name: "", scopes: ["all"] }).catch((error: unknown) => error);
  expect(isGranaryError(failure)).toBe(true);
  if (isGranaryError(failure)) {
    expect(failure.data?.code).toBe("BAD_REQUEST");
    expect(failure.data?.fieldErrors?.name).toBe("Name the token.");
  }

  const tsx = path.join(projectRoot, "node_modules", "tsx", "dist", "cli.mjs");
  const { stdout, stderr } = await run(process.execPath, [tsx, example], {
    cwd: projectRoot,
    env: { ...process.env, GRANARY_URL: url, GRANARY_TOKEN: created.secret },
  });
  expect(stderr).toBe("");
  expect(stdout.split("\n")).toEqual([
    `Signed in as ${account.username} with the token readme-example`,
    expect.stringMatching(new RegExp(`^\\d+ packages match: .*${account.username}/client-tools 3\\.0\\.1`)),
    "Expected failure: NOT_FOUND",
    "",
  ]);
});
