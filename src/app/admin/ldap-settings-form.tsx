"use client";

import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { accountTypeLabels, accountTypes, ldapSettingsSchema, type LdapSettingsView } from "@/shared/schemas/ldap";
import { useTRPC } from "@/trpc/client";

interface TestedPerson {
  dn: string;
  username: string | null;
  email: string | null;
  name: string | null;
  groups: string[];
}

type TestOutcome = { ok: true; person: TestedPerson | null } | { ok: false; error: string } | { failed: string };

/** Admin → General → Account type: Granary accounts or an LDAP directory, its settings, and Test connection. */
export function LdapSettingsForm({ settings }: { settings: LdapSettingsView }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.admin.updateLdapSettings.mutationOptions());
  const testConnection = useMutation(trpc.admin.testLdapConnection.mutationOptions());
  const { bindPasswordSet, ...values } = settings;
  const { form, errors, formError, success, submit } = useSubmitForm(ldapSettingsSchema, {
    defaultValues: { ...values, bindPassword: "" },
    onSubmit: async (input) => {
      await update.mutateAsync(input);
      form.setValue("bindPassword", "");
      router.refresh();
      return "Account settings saved.";
    },
  });
  const [testUsername, setTestUsername] = useState("");
  const [outcome, setOutcome] = useState<TestOutcome | null>(null);
  const accountType = form.watch("accountType");

  async function runTest() {
    setOutcome(null);
    try {
      setOutcome(await testConnection.mutateAsync({ settings: form.getValues(), username: testUsername }));
    } catch (error) {
      setOutcome({ failed: error instanceof TRPCClientError ? error.message : "Something went wrong. Check your connection and try again." });
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Account type">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Account type</legend>
        {accountTypes.map((type) => (
          <label key={type} className="flex items-center gap-2 text-sm">
            <input type="radio" value={type} {...form.register("accountType")} />
            {accountTypeLabels[type]}
          </label>
        ))}
        <p className="text-sm text-stone-600">
          With LDAP, people sign in with their directory username (or e-mail) and password; their account is created at the first sign-in. Sign-up is
          closed and forgotten passwords are the directory&apos;s to reset. Break-glass accounts, such as the first administrator, keep their local
          password: see <Link href="/admin/ldap">LDAP groups and break-glass accounts</Link>.
        </p>
      </fieldset>

      <fieldset className="space-y-3" aria-describedby="ldap-settings-hint">
        <legend className="text-sm font-medium">LDAP directory</legend>
        <p id="ldap-settings-hint" className="text-sm text-stone-600">
          Used only while the account type is LDAP. Granary searches as the bind DN and then binds as the person to check their password.
        </p>
        <TextField label="Server URL" placeholder="ldaps://ldap.example.com:636" error={errors.url?.message} {...form.register("url")} />
        <div className="flex items-center gap-2">
          <input id="ldap-start-tls" type="checkbox" className="h-4 w-4" {...form.register("startTls")} />
          <label htmlFor="ldap-start-tls" className="text-sm">
            Use StartTLS (for ldap:// addresses)
          </label>
        </div>
        {errors.startTls?.message ? <p className="field-error">{errors.startTls.message}</p> : null}
        <div>
          <label htmlFor="ldap-ca-certificate" className="label">
            CA certificate (PEM, optional)
          </label>
          <textarea
            id="ldap-ca-certificate"
            className="input min-h-24 font-mono text-xs"
            aria-invalid={errors.caCertificate ? true : undefined}
            placeholder="-----BEGIN CERTIFICATE-----"
            {...form.register("caCertificate")}
          />
          {errors.caCertificate?.message ? <p className="field-error">{errors.caCertificate.message}</p> : null}
        </div>
        <TextField label="Bind DN" placeholder="cn=granary,ou=services,dc=example,dc=com" error={errors.bindDn?.message} {...form.register("bindDn")} />
        <TextField
          label="Bind password"
          type="password"
          autoComplete="new-password"
          hint={bindPasswordSet ? "A password is set. Leave this empty to keep it, or type a new one to replace it." : "No password is set yet."}
          error={errors.bindPassword?.message}
          {...form.register("bindPassword")}
        />
        <TextField label="User search base" placeholder="ou=people,dc=example,dc=com" error={errors.userSearchBase?.message} {...form.register("userSearchBase")} />
        <TextField
          label="User search filter"
          hint="{username} is replaced by what the person types, escaped. People the filter does not find cannot sign in, and the daily check deactivates them."
          error={errors.userSearchFilter?.message}
          {...form.register("userSearchFilter")}
        />
        <div className="grid gap-3 sm:grid-cols-3">
          <TextField label="Username attribute" error={errors.usernameAttribute?.message} {...form.register("usernameAttribute")} />
          <TextField label="E-mail attribute" error={errors.emailAttribute?.message} {...form.register("emailAttribute")} />
          <TextField label="Display name attribute" error={errors.displayNameAttribute?.message} {...form.register("displayNameAttribute")} />
        </div>
        <TextField
          label="Group search base (optional)"
          hint="Set it to map directory groups to organization groups."
          error={errors.groupSearchBase?.message}
          {...form.register("groupSearchBase")}
        />
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField label="Group search filter" error={errors.groupSearchFilter?.message} {...form.register("groupSearchFilter")} />
          <TextField label="Group member attribute" error={errors.groupMemberAttribute?.message} {...form.register("groupMemberAttribute")} />
        </div>
      </fieldset>

      <section aria-labelledby="ldap-test-heading" className="space-y-2 rounded-md border border-stone-200 p-3">
        <h3 id="ldap-test-heading" className="text-sm font-medium">
          Test connection
        </h3>
        <p className="text-sm text-stone-600">Binds with the settings above (saved or not), looks the username up and shows what Granary would read.</p>
        <div className="flex flex-wrap items-end gap-2">
          <div className="grow">
            <TextField label="Username to look up" value={testUsername} onChange={(event) => setTestUsername(event.target.value)} />
          </div>
          <button type="button" className="button-secondary" onClick={runTest} disabled={testConnection.isPending || testUsername.trim() === ""}>
            {testConnection.isPending ? "Testing…" : "Test connection"}
          </button>
        </div>
        <TestResult outcome={outcome} />
      </section>

      <SubmitButton pending={form.formState.isSubmitting}>{accountType === "ldap" ? "Save and use LDAP accounts" : "Save account settings"}</SubmitButton>
    </form>
  );
}

function TestResult({ outcome }: { outcome: TestOutcome | null }) {
  if (!outcome) return null;
  if ("failed" in outcome) return <FormMessage tone="error" testId="ldap-test-result">{outcome.failed}</FormMessage>;
  if (!outcome.ok) {
    return (
      <div data-testid="ldap-test-result" role="status" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
        <p className="font-medium">The directory answered with an error:</p>
        <pre className="whitespace-pre-wrap break-all font-mono text-xs">{outcome.error}</pre>
      </div>
    );
  }
  if (!outcome.person) {
    return (
      <div data-testid="ldap-test-result" role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
        Connected and searched: the user search filter finds no one (or more than one) by that name.
      </div>
    );
  }
  const person = outcome.person;
  return (
    <div data-testid="ldap-test-result" role="status" className="rounded-md border border-brand-100 bg-brand-50 px-3 py-2 text-sm text-brand-800">
      <p className="font-medium">Connected. Granary would read:</p>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 break-all">
        <dt>DN</dt>
        <dd className="font-mono text-xs">{person.dn}</dd>
        <dt>Username</dt>
        <dd>{person.username ?? "(none)"}</dd>
        <dt>E-mail</dt>
        <dd>{person.email ?? "(none)"}</dd>
        <dt>Display name</dt>
        <dd>{person.name ?? "(none)"}</dd>
        <dt>Groups</dt>
        <dd>{person.groups.length ? person.groups.join("; ") : "(none)"}</dd>
      </dl>
    </div>
  );
}
