/**
 * Input schemas shared by the forms (react-hook-form's zod resolver) and the tRPC procedures, so the browser
 * and the server enforce the same rules with the same messages.
 */
import { z } from "zod";
import { isReservedOwnerName } from "../reserved-names";

export const passwordMinLength = 7;
const passwordMaxLength = 256;
const loginMessage = "Enter your username or e-mail.";

export const usernameSchema = z
  .string({ error: "Enter a username." })
  .trim()
  .min(1, "Enter a username.")
  .max(40, "Usernames are at most 40 characters.")
  .regex(/^[A-Za-z0-9_-]+$/, "Use only letters, digits, hyphens (-) and underscores (_).")
  .refine((name) => !isReservedOwnerName(name), "This name is reserved; choose another.");

export const emailSchema = z
  .string({ error: "Enter an e-mail address." })
  .trim()
  .min(1, "Enter an e-mail address.")
  .max(254, "E-mail addresses are at most 254 characters.")
  .pipe(z.email("Enter a valid e-mail address."));

export const passwordSchema = z
  .string({ error: "Enter a password." })
  .min(passwordMinLength, `Passwords are at least ${passwordMinLength} characters.`)
  .max(passwordMaxLength, `Passwords are at most ${passwordMaxLength} characters.`);

/** Entered passwords are only compared with the hash; the length rules apply to new passwords. */
const enteredPasswordSchema = z
  .string({ error: "Enter your password." })
  .min(1, "Enter your password.")
  .max(passwordMaxLength, "That password is too long.");

/**
 * PostgreSQL text cannot hold a NUL character, and no username, address or name needs any control character:
 * fields that reach the database refuse them here, with a clear message, instead of failing there.
 */
export function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const loginSchema = z
  .string({ error: loginMessage })
  .trim()
  .min(1, loginMessage)
  .max(254, "That is too long.")
  .refine((login) => !hasControlCharacter(login), "Usernames and e-mail addresses have no control characters.");

function confirmed<Shape extends z.ZodRawShape>(shape: Shape, field: string, confirmation: string) {
  return z.object(shape).refine((input) => (input as Record<string, unknown>)[field] === (input as Record<string, unknown>)[confirmation], {
    path: [confirmation],
    message: "The passwords do not match.",
  });
}

export const signUpSchema = confirmed(
  {
    username: usernameSchema,
    email: emailSchema,
    password: passwordSchema,
    passwordConfirmation: z.string({ error: "Enter the password again." }),
    acceptTerms: z.literal(true, { error: "Accept the Terms and Conditions to sign up." }),
  },
  "password",
  "passwordConfirmation",
);
export type SignUpInput = z.infer<typeof signUpSchema>;

export const signInSchema = z.object({ login: loginSchema, password: enteredPasswordSchema });
export type SignInInput = z.infer<typeof signInSchema>;

export const forgotUsernameSchema = z.object({ email: emailSchema });
export const forgotPasswordSchema = z.object({ login: loginSchema });

const secretTokenSchema = z
  .string({ error: "This link is incomplete." })
  .min(20, "This link is incomplete.")
  .max(200, "This link is not valid.")
  .refine((token) => !hasControlCharacter(token), "This link is not valid.");

export const resetPasswordSchema = confirmed(
  { token: secretTokenSchema, password: passwordSchema, passwordConfirmation: z.string({ error: "Enter the password again." }) },
  "password",
  "passwordConfirmation",
);

export const changePasswordSchema = confirmed(
  {
    currentPassword: enteredPasswordSchema,
    newPassword: passwordSchema,
    newPasswordConfirmation: z.string({ error: "Enter the new password again." }),
  },
  "newPassword",
  "newPasswordConfirmation",
);

export const changeEmailSchema = z.object({ email: emailSchema, currentPassword: enteredPasswordSchema });
export const confirmEmailSchema = z.object({ token: secretTokenSchema });

export const deleteAccountSchema = z.object({
  confirmation: z.string({ error: "Type your username to confirm." }).trim().min(1, "Type your username to confirm.").max(100, "That is not your username."),
  currentPassword: enteredPasswordSchema,
});

export const updateProfileSchema = z.object({
  name: z
    .string()
    .trim()
    .max(100, "Names are at most 100 characters.")
    .refine((name) => !hasControlCharacter(name), "Names cannot contain control characters."),
});

/** One of the account's browser sessions, as listed on the security page. */
export const sessionRefSchema = z.object({ id: z.uuid("Unknown session.") });

export const pageSchema = z.object({
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(25),
});
