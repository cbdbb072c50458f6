"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { CopyCommand } from "@/components/copy-command";
import { DateTime } from "@/components/date-time";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { TableContainer } from "@/components/table-container";
import { createTokenSchema } from "@/shared/schemas/tokens";
import { useTRPC } from "@/trpc/client";
import type { RouterOutputs } from "@/client";

type ScopeInfo = RouterOutputs["tokens"]["scopes"][number];
type TokenRow = RouterOutputs["tokens"]["list"]["items"][number];

const expiryChoices = [
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
  { days: 365, label: "1 year (recommended)" },
  { days: 730, label: "2 years" },
  { days: 1825, label: "5 years" },
];

/** The secret of a token just created or regenerated, shown once with copy-ready client settings. */
function NewSecret({ name, secret, username, onDone }: { name: string; secret: string; username: string; onDone: () => void }) {
  const host = typeof window === "undefined" ? "" : window.location.origin;
  return (
    <section aria-labelledby="new-token-heading" className="card space-y-3 border-brand-600" data-testid="new-token">
      <h2 id="new-token-heading">Copy your new token now</h2>
      <p className="text-sm text-stone-700">
        This is the only time the secret of <strong>{name}</strong> is shown. Store it somewhere safe; if you lose it, regenerate the token.
      </p>
      <CopyCommand label="Token" command={secret} />
      <CopyCommand label="conda" command={`conda config --add channels ${host}/t/${secret}/${username}`} />
      <CopyCommand label="pip" command={`pip install --index-url ${host.replace("://", `://__token__:${secret}@`)}/${username}/simple/ PACKAGE`} />
      <CopyCommand label="twine" command={`twine upload --repository-url ${host}/${username}/pypi/legacy/ -u __token__ -p ${secret} dist/*`} />
      <button type="button" className="button-secondary" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}

export function TokenManager({ username, scopes, tokens }: { username: string; scopes: ScopeInfo[]; tokens: TokenRow[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const expiryId = useId();
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [listError, setListError] = useState("");
  const create = useMutation(trpc.tokens.create.mutationOptions());
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions());
  const regenerate = useMutation(trpc.tokens.regenerate.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(createTokenSchema, {
    defaultValues: { name: "", scopes: [], channel: "", expiresInDays: 365 },
    onSubmit: async (values) => {
      const result = await create.mutateAsync({ ...values, channel: values.channel || undefined });
      setCreated({ name: result.token.name, secret: result.secret });
      form.reset();
      router.refresh();
    },
  });

  const act = async (action: () => Promise<unknown>) => {
    setListError("");
    try {
      await action();
      router.refresh();
    } catch (error) {
      setListError(error instanceof Error ? error.message : "That did not work.");
    }
  };

  return (
    <div className="space-y-6">
      {created ? <NewSecret name={created.name} secret={created.secret} username={username} onDone={() => setCreated(null)} /> : null}

      <section aria-labelledby="create-token-heading" className="card space-y-4">
        <h2 id="create-token-heading">Create a token</h2>
        <form onSubmit={submit} noValidate className="space-y-4">
          <FormMessage tone="error">{formError}</FormMessage>
          <TextField label="Name" hint="Unique among your tokens, e.g. ci-uploads or laptop-conda." autoComplete="off" error={errors.name?.message} {...form.register("name")} />
          <fieldset className="space-y-2" aria-describedby={errors.scopes ? "scopes-error" : undefined}>
            <legend className="label">Scopes</legend>
            <div className="grid gap-2 sm:grid-cols-2">
              {scopes.map((scope) => (
                <label key={scope.scope} className="flex items-start gap-2 rounded-md border border-stone-200 p-2 text-sm">
                  <input type="checkbox" value={scope.scope} className="mt-1 h-4 w-4" {...form.register("scopes")} />
                  <span>
                    <code className="font-semibold">{scope.scope}</code>
                    <span className="block text-stone-600">{scope.description}</span>
                  </span>
                </label>
              ))}
            </div>
            {errors.scopes ? (
              <p id="scopes-error" className="field-error">
                {errors.scopes.message}
              </p>
            ) : null}
          </fieldset>
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField label="Restrict to channel (optional)" hint="An owner name; the token then sees nothing else." autoComplete="off" error={errors.channel?.message} {...form.register("channel")} />
            <div>
              <label htmlFor={expiryId} className="label">
                Expires after
              </label>
              <select id={expiryId} className="input" {...form.register("expiresInDays", { valueAsNumber: true })}>
                {expiryChoices.map((choice) => (
                  <option key={choice.days} value={choice.days}>
                    {choice.label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Creating token…">Create token</SubmitButton>
        </form>
      </section>

      <section aria-labelledby="tokens-heading" className="space-y-3">
        <h2 id="tokens-heading">Your tokens</h2>
        <FormMessage tone="error">{listError}</FormMessage>
        {tokens.length === 0 ? (
          <p className="text-sm text-stone-600">You have no tokens yet.</p>
        ) : (
          <TableContainer label="Your tokens">
            <table className="data-table">
              <caption className="sr-only">Your access tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((token) => (
                  <tr key={token.id} data-testid="token-row" data-token-name={token.name}>
                    <td className="font-medium">{token.name}</td>
                    <td>{token.scopes.join(", ")}</td>
                    <td>{token.channel ?? "any"}</td>
                    <td className="whitespace-nowrap">
                      <DateTime value={token.createdAt} />
                    </td>
                    <td className="whitespace-nowrap">
                      <DateTime value={token.expiresAt} />
                    </td>
                    <td className="whitespace-nowrap">
                      {token.lastUsedAt ? (
                        <>
                          <DateTime value={token.lastUsedAt} />
                          {token.lastUsedIp ? <span className="block text-xs text-stone-500">{token.lastUsedIp}</span> : null}
                        </>
                      ) : (
                        "Never"
                      )}
                    </td>
                    <td>{token.status}</td>
                    <td>
                      {token.status === "active" ? (
                        <div className="flex flex-wrap gap-2">
                          <button
                            type="button"
                            className="button-secondary px-2 py-1 text-xs"
                            aria-label={`Regenerate ${token.name}`}
                            onClick={() =>
                              act(async () => {
                                const result = await regenerate.mutateAsync({ id: token.id });
                                setCreated({ name: result.token.name, secret: result.secret });
                              })
                            }
                          >
                            Regenerate
                          </button>
                          <ConfirmAction
                            buttonContent="Revoke"
                            buttonLabel={`Revoke ${token.name}`}
                            buttonClassName="button-danger px-2 py-1 text-xs"
                            title={`Revoke ${token.name}?`}
                            confirmLabel={`Revoke ${token.name}`}
                            pendingLabel="Revoking…"
                            onConfirm={async () => {
                              await revoke.mutateAsync({ id: token.id });
                              router.refresh();
                            }}
                          >
                            <p>Clients using it stop working at once. This cannot be undone: a revoked token never works again.</p>
                          </ConfirmAction>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableContainer>
        )}
      </section>
    </div>
  );
}
