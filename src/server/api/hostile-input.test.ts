/**
 * Whatever a caller sends, the answer is a success or a client error, never an internal one: "a bad input gets
 * a clear error and changes nothing; there is no 500 for a user's mistake" (DESIGN.md, conventions).
 */
import fc from "fast-check";
import { TRPCError } from "@trpc/server";
import { beforeEach, describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createAccessToken, createSiteAdmin, createUser, type TestUser } from "@/test/factories";
import { tokenScopeNames } from "@/shared/token-scopes";
import { AppError } from "../errors";
import { actorFromCredentialHeaders } from "./credentials";

const db = setUpTestDatabase();

// A fixed seed keeps runs reproducible; change it locally to explore further.
const propertyOptions = { numRuns: 100, seed: 20_260_522 } as const;

/** Any JavaScript value, including the odd ones a hand-built request or a buggy client could produce. */
const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

/** Strings that stress encodings and limits: control characters, NUL, lone surrogates, emoji, huge lengths. */
const oddString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.string({ unit: fc.constantFrom("\u0000", "\u0001", "\u001b", "\u200b", "\u202e", "\ud800", "\udfff", "\ufeff", "'", '"', "\\", "%", "_", "a"), maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "admin", "ADMIN", "a@b.c", "x".repeat(100_000), "😀".repeat(1000), "null", "undefined", "__proto__", "constructor"),
  fc.emailAddress(),
);

const fieldValue = fc.oneof({ weight: 4, arbitrary: oddString }, { weight: 1, arbitrary: anyValue });

/** Mostly objects of the expected shape, so most calls get past the schema and into the services. */
function mostlyShaped<Shape>(shaped: fc.Arbitrary<Shape>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 1, arbitrary: anyValue }, { weight: 1, arbitrary: fc.object() }, { weight: 6, arbitrary: shaped });
}

/** Usually a plausible value for the field, sometimes a hostile one, so calls reach every layer. */
function usually<Value>(plausible: fc.Arbitrary<Value>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: fieldValue });
}

const plausibleUsername = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
// Addresses the e-mail rule accepts, with the punctuation it allows.
const plausibleEmail = fc.stringMatching(/^[A-Za-z0-9_'+-]{1,20}@[A-Za-z0-9]{1,12}\.[A-Za-z]{2,6}$/);
const plausiblePassword = fc.string({ unit: "grapheme", minLength: 7, maxLength: 40 });

const signUpInput = mostlyShaped(
  fc.oneof(plausiblePassword, oddString).chain((password) =>
    fc.record({
      username: usually(plausibleUsername),
      email: usually(plausibleEmail),
      password: fc.constant(password),
      passwordConfirmation: usually(fc.constant(password)),
      acceptTerms: usually(fc.constant(true)),
    }),
  ),
);
const signInInput = mostlyShaped(fc.record({ login: usually(fc.oneof(plausibleUsername, plausibleEmail)), password: fieldValue }));
/**
 * Where a request claims to come from is client-controlled too (X-Forwarded-For, User-Agent); header values are
 * printable text, which fc.string's default unit is. Varying it also keeps the per-address throttle from
 * answering every later attempt before the password is checked.
 */
const requestOrigin = fc.record({
  ipAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 64 })),
  userAgent: fc.option(fc.string({ maxLength: 512 })),
});
const passwordResetRequest = mostlyShaped(fc.record({ login: usually(fc.oneof(plausibleUsername, plausibleEmail)) }));
const usernameReminder = mostlyShaped(fc.record({ email: usually(plausibleEmail) }));
const plausibleToken = fc.string({ unit: fc.constantFrom(..."ABCabc012-_"), minLength: 20, maxLength: 200 });
const passwordReset = mostlyShaped(
  fc.oneof(plausiblePassword, oddString).chain((password) =>
    fc.record({
      token: usually(plausibleToken),
      password: fc.constant(password),
      passwordConfirmation: usually(fc.constant(password)),
    }),
  ),
);

const confirmEmail = mostlyShaped(fc.record({ token: usually(plausibleToken) }));
const profileUpdate = mostlyShaped(fc.record({ name: fieldValue }));
const userSearch = mostlyShaped(
  fc.record(
    { query: fieldValue, page: fc.oneof(fc.integer(), anyValue), pageSize: fc.oneof(fc.integer(), anyValue) },
    { requiredKeys: [] },
  ),
);

const organizationSearch = mostlyShaped(
  fc.record({ query: fieldValue, after: usually(plausibleUsername), pageSize: fc.oneof(fc.integer(), anyValue) }, { requiredKeys: [] }),
);

/** The innermost cause names the real failure, such as PostgreSQL's own error. */
function describeFailure(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  return messages.join("\n  caused by: ");
}

async function answersWithoutInternalError(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    if (error.code === "INTERNAL_SERVER_ERROR") throw new Error(`Internal error: ${describeFailure(error)}`);
  }
}

describe("counterexamples found before", () => {
  // PostgreSQL text cannot hold NUL: these once reached the database and came back as internal errors.
  it("refuses a NUL character in a login, a name or a search with BAD_REQUEST", async () => {
    const user = await createUser(db, { username: "ada" });
    const siteAdmin = await createSiteAdmin(db, { username: "boss" });
    const calls = [
      callerFor(anonymous()).account.signIn({ login: "ada\u0000", password: "whatever" }),
      callerFor(anonymous()).account.requestPasswordReset({ login: "\u0000" }),
      callerFor(user.actor).account.updateProfile({ name: "Ada\u0000" }),
      callerFor(siteAdmin.actor).admin.listUsers({ query: "a\u0000" }),
    ];
    for (const call of calls) expect((await failureOf(call)).code).toBe("BAD_REQUEST");
  });
});

describe("hostile input to the public account procedures", () => {
  beforeEach(async () => {
    // Something for the recovery and sign-in paths to find.
    await createUser(db, { username: "ada", email: "ada@example.test" });
  });

  it("account.signUp", async () => {
    await fc.assert(
      fc.asyncProperty(signUpInput, (input) => answersWithoutInternalError(() => callerFor(anonymous()).account.signUp(input as never))),
      propertyOptions,
    );
  });

  it("account.signIn", async () => {
    await fc.assert(
      fc.asyncProperty(signInInput, requestOrigin, (input, origin) =>
        answersWithoutInternalError(() => callerFor(anonymous(origin)).account.signIn(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.requestPasswordReset", async () => {
    await fc.assert(
      fc.asyncProperty(passwordResetRequest, (input) =>
        answersWithoutInternalError(() => callerFor(anonymous()).account.requestPasswordReset(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.resetPassword", async () => {
    await fc.assert(
      fc.asyncProperty(passwordReset, (input) =>
        answersWithoutInternalError(() => callerFor(anonymous()).account.resetPassword(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.remindUsername", async () => {
    await fc.assert(
      fc.asyncProperty(usernameReminder, (input) =>
        answersWithoutInternalError(() => callerFor(anonymous()).account.remindUsername(input as never)),
      ),
      propertyOptions,
    );
  });

  it("account.confirmEmailChange", async () => {
    await fc.assert(
      fc.asyncProperty(confirmEmail, (input) =>
        answersWithoutInternalError(() => callerFor(anonymous()).account.confirmEmailChange(input as never)),
      ),
      propertyOptions,
    );
  });
});

describe("hostile input from signed-in accounts", () => {
  let user: TestUser;
  let siteAdmin: TestUser;
  beforeEach(async () => {
    user = await createUser(db, { username: "ada" });
    siteAdmin = await createSiteAdmin(db, { username: "boss" });
  });

  it("account.updateProfile", async () => {
    await fc.assert(
      fc.asyncProperty(profileUpdate, (input) => answersWithoutInternalError(() => callerFor(user.actor).account.updateProfile(input as never))),
      propertyOptions,
    );
  });

  it("admin.listUsers", async () => {
    await fc.assert(
      fc.asyncProperty(userSearch, (input) => answersWithoutInternalError(() => callerFor(siteAdmin.actor).admin.listUsers(input as never))),
      propertyOptions,
    );
  });

  it("admin.listOrganizations", async () => {
    await fc.assert(
      fc.asyncProperty(organizationSearch, (input) =>
        answersWithoutInternalError(() => callerFor(siteAdmin.actor).admin.listOrganizations(input as never)),
      ),
      propertyOptions,
    );
  });
});

const tokenCreation = mostlyShaped(
  fc.record(
    {
      name: usually(fc.stringMatching(/^[A-Za-z0-9 ._-]{1,30}$/)),
      scopes: usually(fc.subarray([...tokenScopeNames], { minLength: 1 })),
      channel: usually(fc.constantFrom("ada", "boss", "")),
      expiresInDays: usually(fc.integer({ min: -5, max: 5000 })),
    },
    { requiredKeys: ["name", "scopes"] },
  ),
);
const tokenReference = mostlyShaped(fc.record({ id: usually(fc.uuid()), name: fieldValue }, { requiredKeys: [] }));
/** Header values a client can really send: visible ASCII and spaces (Headers refuses the rest). */
const headerText = fc.string({ unit: fc.constantFrom(..."abcXYZ019:+/=-_ .granary"), maxLength: 80 });

describe("hostile input around access tokens", () => {
  let user: TestUser;
  beforeEach(async () => {
    user = await createUser(db, { username: "ada" });
    await createSiteAdmin(db, { username: "boss" });
  });

  it("tokens.create", async () => {
    await fc.assert(
      fc.asyncProperty(tokenCreation, (input) => answersWithoutInternalError(() => callerFor(user.actor).tokens.create(input as never))),
      propertyOptions,
    );
  });

  it("tokens.revoke and tokens.regenerate", async () => {
    await createAccessToken(db, user, { name: "existing" });
    await fc.assert(
      fc.asyncProperty(tokenReference, async (input) => {
        await answersWithoutInternalError(() => callerFor(user.actor).tokens.revoke(input as never));
        await answersWithoutInternalError(() => callerFor(user.actor).tokens.regenerate(input as never));
      }),
      propertyOptions,
    );
  });

  it("credential headers are accepted or refused with UNAUTHORIZED, nothing else", async () => {
    const scheme = fc.constantFrom("Bearer ", "Basic ", "bearer ", "Digest ", "", "Basic X19fdG9rZW5fXzo=");
    const headers = fc.record(
      { authorization: fc.tuple(scheme, headerText).map(([prefix, value]) => `${prefix}${value}`), "x-api-key": headerText, "x-granary-path-token": headerText },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(headers, async (sent) => {
        try {
          await actorFromCredentialHeaders(db, new Headers(sent));
        } catch (error) {
          if (!(error instanceof AppError) || !["UNAUTHORIZED", "TOO_MANY_REQUESTS"].includes(error.code)) throw error;
        }
      }),
      propertyOptions,
    );
  });
});
