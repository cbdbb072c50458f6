"use client";

/**
 * Admin → Applications → Transfer: the other Granary's address and its transfer token, then the applications it
 * offers to pick from. A package source's files are copied into this Granary under the same owner name when it
 * exists here, else under your account (the list says which); a Git source is installed from the same commit.
 */
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import Link from "next/link";
import { useState } from "react";
import type { RouterOutputs } from "@/client";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { TableContainer } from "@/components/table-container";
import { transferSourceSchema } from "@/shared/schemas/application-transfer";
import { useTRPC } from "@/trpc/client";

type Offered = RouterOutputs["applications"]["transferPreview"];
type Transferred = RouterOutputs["applications"]["transfer"];

export function TransferForm() {
  const trpc = useTRPC();
  const preview = useMutation(trpc.applications.transferPreview.mutationOptions());
  const transfer = useMutation(trpc.applications.transfer.mutationOptions());
  const [offered, setOffered] = useState<{ sourceUrl: string; token: string; applications: Offered } | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [transferError, setTransferError] = useState("");
  const [transferred, setTransferred] = useState<Transferred | null>(null);
  const { form, errors, formError, submit } = useSubmitForm(transferSourceSchema, {
    defaultValues: { sourceUrl: "", token: "" },
    onSubmit: async (values) => {
      setOffered(null);
      setTransferred(null);
      setTransferError("");
      const applications = await preview.mutateAsync(values);
      setOffered({ ...values, applications });
      setPicked(new Set(applications.filter((application) => !application.clash).map((application) => application.name)));
    },
  });

  const runTransfer = async () => {
    if (!offered) return;
    setTransferError("");
    try {
      setTransferred(await transfer.mutateAsync({ sourceUrl: offered.sourceUrl, token: offered.token, names: [...picked] }));
    } catch (error) {
      setTransferError(error instanceof TRPCClientError ? error.message : "Something went wrong. Check your connection and try again.");
    }
  };

  return (
    <div className="space-y-6">
      <section aria-labelledby="transfer-source-heading" className="card space-y-4">
        <h2 id="transfer-source-heading">Source</h2>
        <form onSubmit={submit} noValidate className="space-y-4" data-testid="transfer-source-form">
          <FormMessage tone="error">{formError}</FormMessage>
          <TextField label="The other Granary's address" placeholder="https://granary.example.org" autoComplete="url" inputMode="url" error={errors.sourceUrl?.message} {...form.register("sourceUrl")} />
          <TextField label="Transfer token" autoComplete="off" spellCheck={false} error={errors.token?.message} {...form.register("token")} />
          <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Asking the other Granary…" className="button-secondary">
            List its applications
          </SubmitButton>
        </form>
      </section>

      {offered ? (
        <section aria-labelledby="transfer-pick-heading" className="card space-y-4">
          <h2 id="transfer-pick-heading">Applications on {offered.sourceUrl}</h2>
          {offered.applications.length === 0 ? (
            <p className="text-sm text-stone-700">That Granary has no applications.</p>
          ) : (
            <>
              <TableContainer label="Applications to transfer">
                <table className="data-table" data-testid="transfer-applications">
                  <caption className="sr-only">The other Granary&apos;s applications; pick the ones to copy here</caption>
                  <thead>
                    <tr>
                      <th scope="col">Transfer</th>
                      <th scope="col">Name</th>
                      <th scope="col">Source</th>
                      <th scope="col">Version</th>
                      <th scope="col">Active</th>
                      <th scope="col">Here</th>
                    </tr>
                  </thead>
                  <tbody>
                    {offered.applications.map((application) => (
                      <tr key={application.name} data-testid="transfer-application">
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Transfer ${application.name}`}
                            disabled={application.clash || Boolean(transferred)}
                            checked={picked.has(application.name)}
                            onChange={(event) => {
                              const next = new Set(picked);
                              if (event.target.checked) next.add(application.name);
                              else next.delete(application.name);
                              setPicked(next);
                            }}
                          />
                        </td>
                        <td className="font-medium">{application.name}</td>
                        <td className="break-all text-sm">
                          <span className="mr-1 rounded bg-stone-100 px-1.5 py-0.5 text-xs">{application.sourceKind === "git" ? "Git" : "Package"}</span>
                          {application.source}
                        </td>
                        <td className="break-all text-sm">{application.sourceKind === "git" ? <code>{application.version.slice(0, 12)}</code> : application.version}</td>
                        <td>{application.active ? "Active" : "Inactive"}</td>
                        <td className="text-sm">
                          {application.clash ? (
                            <span className="text-red-800">An application of this name exists here already</span>
                          ) : application.sourceKind === "package" ? (
                            `${application.files} ${application.files === 1 ? "file" : "files"} copied under ${application.targetOwner}`
                          ) : (
                            `Dependencies from ${application.targetOwner}'s index`
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableContainer>
              <p className="text-sm text-stone-700">
                Files go under the owner of the same name on this Granary when there is one, and otherwise under your account; each file&apos;s sha256 is
                checked against the other Granary&apos;s.
              </p>
              <FormMessage tone="error" testId="transfer-error">
                {transferError}
              </FormMessage>
              {transferred ? null : (
                <button type="button" className="button" disabled={picked.size === 0 || transfer.isPending} aria-busy={transfer.isPending || undefined} onClick={runTransfer}>
                  {transfer.isPending ? "Copying and starting the installs…" : `Transfer ${picked.size} ${picked.size === 1 ? "application" : "applications"}`}
                </button>
              )}
            </>
          )}
        </section>
      ) : null}

      {transferred ? (
        <section aria-labelledby="transfer-done-heading" className="card space-y-3" data-testid="transfer-done">
          <h2 id="transfer-done-heading">Transferred</h2>
          <p className="text-sm text-stone-700" role="status">
            The installs have started; the token is spent.
          </p>
          <ul className="space-y-1 text-sm">
            {transferred.map((application) => (
              <li key={application.id} data-testid="transferred-application">
                <Link href={`/admin/applications/${application.id}`}>{application.name}</Link>: {application.copiedFiles} {application.copiedFiles === 1 ? "file" : "files"} copied
                {application.filesAlreadyHere ? `, ${application.filesAlreadyHere} already here` : ""}, under {application.owner}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
