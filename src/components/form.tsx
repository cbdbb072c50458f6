"use client";

/**
 * Form building blocks: a react-hook-form instance validated by the same zod schema the procedure uses, fields
 * wired for screen readers, and server errors placed on the fields they concern.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { TRPCClientError } from "@trpc/client";
import { useId, useState, type InputHTMLAttributes, type ReactNode } from "react";
import { useForm, type FieldValues, type Path, type UseFormProps, type UseFormReturn } from "react-hook-form";
import type { z } from "zod";

function useZodForm<Schema extends z.ZodType<FieldValues, FieldValues>>(
  schema: Schema,
  options: Omit<UseFormProps<z.input<Schema>, unknown, z.output<Schema>>, "resolver"> = {},
) {
  return useForm<z.input<Schema>, unknown, z.output<Schema>>({ ...options, resolver: zodResolver(schema) });
}

/**
 * A form whose submit calls the server: field errors from the procedure land on their fields, anything else
 * becomes the form's message; a string returned by `onSubmit` is shown as the success message.
 */
export function useSubmitForm<Schema extends z.ZodType<FieldValues, FieldValues>>(
  schema: Schema,
  options: {
    defaultValues: UseFormProps<z.input<Schema>, unknown, z.output<Schema>>["defaultValues"];
    onSubmit: (values: z.output<Schema>) => Promise<string | void>;
    /**
     * Values the form sends without showing them (the organization, the group it is about): a server error about
     * one of them has no field to land on, so it becomes the form's message.
     */
    hiddenFields?: readonly string[];
  },
) {
  const form = useZodForm(schema, { defaultValues: options.defaultValues });
  const [formError, setFormError] = useState("");
  const [success, setSuccess] = useState("");
  const submit = form.handleSubmit(async (values) => {
    setFormError("");
    setSuccess("");
    try {
      setSuccess((await options.onSubmit(values)) ?? "");
    } catch (error) {
      setFormError(applyServerError(form, error, options.hiddenFields ?? []));
    }
  });
  return { form, errors: form.formState.errors, formError, success, submit };
}

/** Puts a procedure's field errors on the form's fields; returns the message for the form as a whole. */
function applyServerError<Values extends FieldValues, Output>(form: UseFormReturn<Values, unknown, Output>, error: unknown, hiddenFields: readonly string[]): string {
  if (!(error instanceof TRPCClientError)) return "Something went wrong. Check your connection and try again.";
  const fieldErrors = (error.data as { fieldErrors?: Record<string, string> } | undefined)?.fieldErrors ?? {};
  const fields = Object.keys(form.getValues()).filter((field) => !hiddenFields.includes(field));
  let placedOnField = false;
  for (const [field, message] of Object.entries(fieldErrors)) {
    if (fields.includes(field)) {
      form.setError(field as Path<Values>, { type: "server", message }, { shouldFocus: !placedOnField });
      placedOnField = true;
    }
  }
  return placedOnField ? "" : error.message;
}

interface TextFieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  error?: string;
  hint?: ReactNode;
}

export function TextField({ label, error, hint, id, ...inputProps }: TextFieldProps) {
  const generatedId = useId();
  const inputId = id ?? generatedId;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={inputId} className="label">
        {label}
      </label>
      <input id={inputId} className="input" aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...inputProps} />
      {hint ? (
        <p id={hintId} className="mt-1 text-sm text-stone-600">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A message about the whole form, announced to screen readers when it appears. */
export function FormMessage({ tone, children, testId }: { tone: "error" | "success"; children: ReactNode; testId?: string }) {
  if (!children) return null;
  const style = tone === "error" ? "border-red-200 bg-red-50 text-red-800" : "border-brand-100 bg-brand-50 text-brand-800";
  return (
    <div role={tone === "error" ? "alert" : "status"} data-testid={testId ?? `form-${tone}`} className={`rounded-md border px-3 py-2 text-sm ${style}`}>
      {children}
    </div>
  );
}

/** `pendingLabel` says what is happening while the server works ("Creating…"). */
export function SubmitButton({
  pending,
  children,
  className = "button",
  pendingLabel = "Working…",
}: {
  pending: boolean;
  children: ReactNode;
  className?: string;
  pendingLabel?: string;
}) {
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending || undefined}>
      {pending ? pendingLabel : children}
    </button>
  );
}
