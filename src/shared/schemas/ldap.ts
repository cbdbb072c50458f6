/** Admin → General → Account type, the LDAP settings, Test connection, and the mappings of directory groups. */
import { z } from "zod";
import { hasControlCharacter, usernameSchema } from "./account";

export const accountTypes = ["granary", "ldap"] as const;
export type AccountType = (typeof accountTypes)[number];
export const accountTypeLabels: Record<AccountType, string> = { granary: "Granary accounts", ldap: "LDAP directory" };

const line = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters.`)
    .refine((value) => !hasControlCharacter(value), "This cannot contain control characters.");

/** PEM text: lines, but no other control characters. */
const pemText = z
  .string()
  .max(20_000, "A CA certificate is at most 20,000 characters.")
  .refine((value) => !hasControlCharacter(value.replace(/\r?\n/g, "")), "A certificate cannot contain control characters.")
  .refine((value) => value.trim() === "" || value.includes("-----BEGIN CERTIFICATE-----"), "Paste the CA certificate in PEM form (-----BEGIN CERTIFICATE-----).");

export const usernamePlaceholder = "{username}";

export const ldapSettingsSchema = z
  .object({
    accountType: z.enum(accountTypes),
    url: line(500),
    startTls: z.boolean(),
    caCertificate: pemText,
    bindDn: line(500),
    /** Empty keeps the stored password; it is never sent back to the browser. */
    bindPassword: z
      .string()
      .max(500, "At most 500 characters.")
      .refine((value) => !hasControlCharacter(value), "This cannot contain control characters."),
    userSearchBase: line(500),
    userSearchFilter: line(1000),
    usernameAttribute: line(100),
    emailAttribute: line(100),
    displayNameAttribute: line(100),
    groupSearchBase: line(500),
    groupSearchFilter: line(1000),
    groupMemberAttribute: line(100),
  })
  .superRefine((settings, context) => {
    const problem = (path: string, message: string) => context.addIssue({ code: "custom", path: [path], message });
    if (settings.url !== "" && !/^ldaps?:\/\/[^/\s]+\/?$/i.test(settings.url)) problem("url", "Give the server as ldap://host:port or ldaps://host:port.");
    if (settings.startTls && settings.url.toLowerCase().startsWith("ldaps://")) problem("startTls", "StartTLS is for ldap:// addresses; ldaps:// is encrypted already.");
    if (settings.userSearchFilter !== "" && !settings.userSearchFilter.includes(usernamePlaceholder)) {
      problem("userSearchFilter", `The filter must contain ${usernamePlaceholder}, where the name typed at sign-in goes.`);
    }
    if (settings.accountType !== "ldap") return;
    // Accounts come from the directory only once it can be reached and searched.
    for (const [field, label] of [
      ["url", "the server URL"],
      ["bindDn", "the bind DN"],
      ["userSearchBase", "the user search base"],
      ["userSearchFilter", "the user search filter"],
      ["usernameAttribute", "the username attribute"],
      ["emailAttribute", "the e-mail attribute"],
    ] as const) {
      if (settings[field] === "") problem(field, `LDAP accounts need ${label}.`);
    }
    if (settings.groupSearchBase !== "" && settings.groupMemberAttribute === "") problem("groupMemberAttribute", "Group search needs the member attribute.");
  });
export type LdapSettingsInput = z.infer<typeof ldapSettingsSchema>;

/** What the browser gets back: the settings without the bind password, and whether one is stored. */
export type LdapSettingsView = Omit<LdapSettingsInput, "bindPassword"> & { bindPasswordSet: boolean };

export const testLdapConnectionSchema = z.object({
  settings: ldapSettingsSchema,
  username: line(200).pipe(z.string().min(1, "Type a username to look up.")),
});

export const directoryGroupMappingSchema = z.object({
  directoryGroupDn: line(500).pipe(z.string().min(3, "Give the directory group's DN.")),
  organization: usernameSchema,
  group: line(100).pipe(z.string().min(1, "Name the organization's group.")),
});

export const directoryGroupMappingRefSchema = z.object({ id: z.uuid("Unknown mapping.") });

export const keepsLocalPasswordSchema = z.object({
  username: usernameSchema,
  keepsLocalPassword: z.boolean(),
});
