import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  changePasswordSchema,
  deleteAccountSchema,
  emailSchema,
  forgotPasswordSchema,
  hasControlCharacter,
  pageSchema,
  passwordMinLength,
  passwordSchema,
  resetPasswordSchema,
  signInSchema,
  signUpSchema,
  updateProfileSchema,
  usernameSchema,
} from "./account";
import { listUsersSchema } from "./admin";

/** The first message for each field, as forms show them. */
function fieldMessages(schema: z.ZodType, input: unknown): Record<string, string> {
  const result = schema.safeParse(input);
  if (result.success) return {};
  const messages: Record<string, string> = {};
  for (const issue of result.error.issues) messages[issue.path.join(".") || "form"] ??= issue.message;
  return messages;
}

const validSignUp = {
  username: "ada_lovelace-1815",
  email: "ada@example.test",
  password: "analytical",
  passwordConfirmation: "analytical",
  acceptTerms: true,
};

describe("usernames", () => {
  it.each(["a", "Ada", "ada_lovelace", "ada-1815", "A".repeat(40)])("accepts %s", (name) => {
    expect(usernameSchema.safeParse(name).success).toBe(true);
  });

  it("trims surrounding spaces", () => {
    expect(usernameSchema.parse("  ada  ")).toBe("ada");
  });

  it.each([
    ["", "Enter a username."],
    ["   ", "Enter a username."],
    ["A".repeat(41), "Usernames are at most 40 characters."],
    ["ada lovelace", "Use only letters, digits, hyphens (-) and underscores (_)."],
    ["ada.lovelace", "Use only letters, digits, hyphens (-) and underscores (_)."],
    ["adá", "Use only letters, digits, hyphens (-) and underscores (_)."],
    ["ada/../admin", "Use only letters, digits, hyphens (-) and underscores (_)."],
    ["admin", "This name is reserved; choose another."],
    ["Sign-In", "This name is reserved; choose another."],
  ])("refuses %j: %s", (name, message) => {
    expect(fieldMessages(usernameSchema, name)).toEqual({ form: message });
  });

  it("refuses what is not a string", () => {
    expect(fieldMessages(usernameSchema, 42)).toEqual({ form: "Enter a username." });
  });
});

describe("e-mail addresses", () => {
  it("accepts and trims an address", () => {
    expect(emailSchema.parse(" ada@example.test ")).toBe("ada@example.test");
  });

  it.each([
    ["", "Enter an e-mail address."],
    ["ada", "Enter a valid e-mail address."],
    ["ada@", "Enter a valid e-mail address."],
    [`${"a".repeat(250)}@example.test`, "E-mail addresses are at most 254 characters."],
  ])("refuses %j", (email, message) => {
    expect(fieldMessages(emailSchema, email)).toEqual({ form: message });
  });
});

describe("new passwords", () => {
  it(`are at least ${passwordMinLength} characters`, () => {
    expect(passwordMinLength).toBe(7);
    expect(passwordSchema.safeParse("1234567").success).toBe(true);
    expect(fieldMessages(passwordSchema, "123456")).toEqual({ form: "Passwords are at least 7 characters." });
  });

  it("are at most 256 characters", () => {
    expect(passwordSchema.safeParse("x".repeat(256)).success).toBe(true);
    expect(fieldMessages(passwordSchema, "x".repeat(257))).toEqual({ form: "Passwords are at most 256 characters." });
  });

  it("are kept exactly as typed, spaces included", () => {
    expect(passwordSchema.parse("  spaced  ")).toBe("  spaced  ");
  });
});

describe("sign-up", () => {
  it("accepts a complete form", () => {
    expect(signUpSchema.parse(validSignUp)).toEqual(validSignUp);
  });

  it("requires the passwords to match, reporting it on the confirmation field", () => {
    expect(fieldMessages(signUpSchema, { ...validSignUp, passwordConfirmation: "analyticaL" })).toEqual({
      passwordConfirmation: "The passwords do not match.",
    });
  });

  it("requires the terms to be accepted", () => {
    const message = "Accept the Terms and Conditions to sign up.";
    expect(fieldMessages(signUpSchema, { ...validSignUp, acceptTerms: false })).toEqual({ acceptTerms: message });
    expect(fieldMessages(signUpSchema, { ...validSignUp, acceptTerms: "true" })).toEqual({ acceptTerms: message });
    const { acceptTerms: _omitted, ...withoutTerms } = validSignUp;
    expect(fieldMessages(signUpSchema, withoutTerms)).toEqual({ acceptTerms: message });
  });

  it("reports every field's problem at once", () => {
    expect(Object.keys(fieldMessages(signUpSchema, {})).sort()).toEqual(["acceptTerms", "email", "password", "passwordConfirmation", "username"]);
  });

  it("refuses reserved usernames", () => {
    expect(fieldMessages(signUpSchema, { ...validSignUp, username: "settings" })).toEqual({
      username: "This name is reserved; choose another.",
    });
  });
});

describe("sign-in", () => {
  it("accepts a username or an e-mail with any password, even a short one set before the rules", () => {
    expect(signInSchema.safeParse({ login: "ada", password: "x" }).success).toBe(true);
    expect(signInSchema.safeParse({ login: "ada@example.test", password: "analytical" }).success).toBe(true);
  });

  it("asks for what is missing", () => {
    expect(fieldMessages(signInSchema, { login: " ", password: "" })).toEqual({
      login: "Enter your username or e-mail.",
      password: "Enter your password.",
    });
  });

  it.each(["ada\u0000", "\u0000", "ada\tlovelace", "ada\u007f"])("refuses control characters in the login: %j", (login) => {
    expect(fieldMessages(signInSchema, { login, password: "x" })).toEqual({
      login: "Usernames and e-mail addresses have no control characters.",
    });
  });

  it("bounds the login", () => {
    expect(fieldMessages(forgotPasswordSchema, { login: "x".repeat(255) })).toEqual({ login: "That is too long." });
  });
});

describe("password reset and change", () => {
  const token = "t".repeat(43);

  it("requires the new passwords to match", () => {
    expect(fieldMessages(resetPasswordSchema, { token, password: "newpassword", passwordConfirmation: "different" })).toEqual({
      passwordConfirmation: "The passwords do not match.",
    });
    expect(
      fieldMessages(changePasswordSchema, { currentPassword: "old", newPassword: "newpassword", newPasswordConfirmation: "other" }),
    ).toEqual({ newPasswordConfirmation: "The passwords do not match." });
  });

  it("applies the length rule to the new password only", () => {
    expect(changePasswordSchema.safeParse({ currentPassword: "old", newPassword: "1234567", newPasswordConfirmation: "1234567" }).success).toBe(
      true,
    );
    expect(
      fieldMessages(changePasswordSchema, { currentPassword: "old", newPassword: "short", newPasswordConfirmation: "short" }),
    ).toEqual({ newPassword: "Passwords are at least 7 characters." });
  });

  it("refuses a truncated link", () => {
    expect(fieldMessages(resetPasswordSchema, { token: "abc", password: "newpassword", passwordConfirmation: "newpassword" })).toEqual({
      token: "This link is incomplete.",
    });
  });
});

describe("other forms", () => {
  it("refuses control characters in a display name, which the database would refuse", () => {
    expect(updateProfileSchema.parse({ name: " Ada Lovelace " })).toEqual({ name: "Ada Lovelace" });
    expect(fieldMessages(updateProfileSchema, { name: "Ada\u0000" })).toEqual({ name: "Names cannot contain control characters." });
  });

  it("refuses control characters in an administrator's user search", () => {
    expect(listUsersSchema.parse({ query: " ada " })).toEqual({ query: "ada", page: 1, pageSize: 25 });
    expect(fieldMessages(listUsersSchema, { query: "\u0000" })).toEqual({ query: "Search terms cannot contain control characters." });
  });

  it("recognizes control characters, and only them", () => {
    expect(hasControlCharacter("plain text, ünïcødé and emoji 😀")).toBe(false);
    for (const character of ["\u0000", "\u0009", "\u000a", "\u001f", "\u007f"]) expect(hasControlCharacter(`a${character}b`)).toBe(true);
  });

  it("asks for the username to delete an account", () => {
    expect(fieldMessages(deleteAccountSchema, { confirmation: "  ", currentPassword: "x" })).toEqual({
      confirmation: "Type your username to confirm.",
    });
  });

  it("pages from 1 with 25 rows unless told otherwise", () => {
    expect(pageSchema.parse({})).toEqual({ page: 1, pageSize: 25 });
    expect(pageSchema.safeParse({ page: 0 }).success).toBe(false);
    expect(pageSchema.safeParse({ pageSize: 101 }).success).toBe(false);
  });
});
