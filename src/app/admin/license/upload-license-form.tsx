"use client";

import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useId, useRef, useState, type FormEvent } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { maxLicenseFileBytes } from "@/shared/schemas/license";
import { useTRPC } from "@/trpc/client";

/** Upload New License: the file is read here and its text sent; the server checks it and says what is wrong. */
export function UploadLicenseForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const install = useMutation(trpc.license.install.mutationOptions());
  const [fieldError, setFieldError] = useState("");
  const [formError, setFormError] = useState("");
  const [success, setSuccess] = useState("");

  const refuse = (message: string) => {
    setFieldError(message);
    input.current?.focus();
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFieldError("");
    setFormError("");
    setSuccess("");
    const file = input.current?.files?.[0];
    if (!file) return refuse("Choose a license file.");
    if (file.size > maxLicenseFileBytes) return refuse("This file is too large to be a Granary license (they are under 64 KB).");
    try {
      const status = await install.mutateAsync({ document: await file.text(), fileName: file.name.slice(0, 255) });
      if (input.current) input.current.value = "";
      router.refresh();
      setSuccess(status.state === "valid" ? `Installed the license for ${status.fields.company}, valid until ${status.fields.endDate}.` : "Installed the license.");
    } catch (error) {
      if (!(error instanceof TRPCClientError)) return setFormError("Something went wrong. Check your connection and try again.");
      const fieldErrors = (error.data as { fieldErrors?: Record<string, string> } | undefined)?.fieldErrors;
      if (fieldErrors?.document) return refuse(fieldErrors.document);
      setFormError(error.message);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-3" aria-label="Upload new license" data-testid="upload-license-form">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success" testId="license-installed">
        {success}
      </FormMessage>
      <div>
        <label htmlFor={inputId} className="label">
          License file
        </label>
        <input
          ref={input}
          id={inputId}
          name="license"
          type="file"
          accept=".license,.json,application/json,text/plain"
          className="block w-full max-w-full text-sm file:mr-3 file:rounded-md file:border file:border-stone-300 file:bg-white file:px-3 file:py-1.5 file:text-sm"
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={`${inputId}-hint${fieldError ? ` ${inputId}-error` : ""}`}
          onChange={() => setFieldError("")}
        />
        <p id={`${inputId}-hint`} className="mt-1 text-sm text-stone-600">
          The <code>.license</code> file you received. It replaces the current license only if its signature checks out.
        </p>
        {fieldError ? (
          <p id={`${inputId}-error`} className="field-error" data-testid="license-file-error">
            {fieldError}
          </p>
        ) : null}
      </div>
      <SubmitButton pending={install.isPending} pendingLabel="Checking…">
        Update
      </SubmitButton>
    </form>
  );
}
