"use client";

/**
 * A task's run form, built from its JSON Schema (shared/task-input-form.ts): a field per property of a common type,
 * or a JSON text field. The server checks the input against the schema and its field errors land on the fields.
 */
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useId, useMemo, useState, type FormEvent } from "react";
import { FormMessage, SubmitButton } from "@/components/form";
import { initialFieldValues, inputFromFields, taskInputForm, type TaskInputField } from "@/shared/task-input-form";
import { useTRPC } from "@/trpc/client";

export function RunTaskForm({ applicationId, task, inputSchema }: { applicationId: string; task: string; inputSchema: Record<string, unknown> | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const start = useMutation(trpc.tasks.start.mutationOptions());
  const form = useMemo(() => taskInputForm(inputSchema), [inputSchema]);
  const [values, setValues] = useState<Record<string, string | boolean>>(() => (form.kind === "fields" ? initialFieldValues(form.fields) : {}));
  const [json, setJson] = useState("{}");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState("");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    setFormError("");
    let input: unknown;
    if (form.kind === "fields") {
      input = inputFromFields(form.fields, values);
    } else {
      try {
        input = JSON.parse(json);
      } catch {
        setFieldErrors({ input: "This is not JSON: check its quotes, commas and brackets." });
        return;
      }
    }
    try {
      const { id } = await start.mutateAsync({ applicationId, task, input });
      router.push(`/tools/applications/runs/${id}`);
    } catch (error) {
      if (!(error instanceof TRPCClientError)) {
        setFormError("Something went wrong. Check your connection and try again.");
        return;
      }
      const errors = (error.data as { fieldErrors?: Record<string, string> } | undefined)?.fieldErrors ?? {};
      const known = new Set(form.kind === "fields" ? form.fields.map((field) => field.name) : []);
      const placed = Object.fromEntries(Object.entries(errors).filter(([field]) => known.has(field) || (field === "input" && form.kind === "json")));
      setFieldErrors(placed);
      const elsewhere = Object.entries(errors).filter(([field]) => !(field in placed));
      if (!Object.keys(placed).length || elsewhere.length) setFormError(elsewhere.length ? elsewhere.map(([, message]) => message).join(" ") : error.message);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="mt-3 space-y-3" data-testid="run-task-form" data-task={task}>
      <FormMessage tone="error">{formError}</FormMessage>
      {form.kind === "fields" ? (
        form.fields.map((field) => (
          <InputField key={field.name} field={field} value={values[field.name] ?? ""} error={fieldErrors[field.name]} onChange={(value) => setValues((old) => ({ ...old, [field.name]: value }))} />
        ))
      ) : (
        <JsonField value={json} error={fieldErrors.input} onChange={setJson} schema={inputSchema} />
      )}
      <SubmitButton pending={start.isPending} pendingLabel="Starting…">
        Run
      </SubmitButton>
    </form>
  );
}

function InputField({ field, value, error, onChange }: { field: TaskInputField; value: string | boolean; error?: string; onChange: (value: string | boolean) => void }) {
  const id = useId();
  const describedBy = [field.description ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const label = (
    <>
      {field.label}
      {field.required ? <span aria-hidden="true"> *</span> : <span className="font-normal text-stone-600"> (optional)</span>}
    </>
  );
  const after = (
    <>
      {field.description ? (
        <p id={`${id}-hint`} className="text-xs text-stone-600">
          {field.description}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error" data-testid={`field-error-${field.name}`}>
          {error}
        </p>
      ) : null}
    </>
  );
  if (field.kind === "boolean") {
    return (
      <div>
        <label className="flex items-center gap-2 text-sm font-semibold" htmlFor={id}>
          <input id={id} type="checkbox" name={field.name} checked={value === true} aria-describedby={describedBy} onChange={(event) => onChange(event.target.checked)} />
          {label}
        </label>
        {after}
      </div>
    );
  }
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      {field.kind === "enum" ? (
        <select id={id} name={field.name} className="input" value={String(value)} aria-invalid={error ? true : undefined} aria-describedby={describedBy} aria-required={field.required || undefined} onChange={(event) => onChange(event.target.value)}>
          {field.required ? null : <option value="">(none)</option>}
          {field.required && value === "" ? <option value="">Choose…</option> : null}
          {field.options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          name={field.name}
          className="input"
          type="text"
          inputMode={field.kind === "number" ? "decimal" : field.kind === "integer" ? "numeric" : undefined}
          autoComplete="off"
          value={String(value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          aria-required={field.required || undefined}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {after}
    </div>
  );
}

function JsonField({ value, error, onChange, schema }: { value: string; error?: string; onChange: (value: string) => void; schema: Record<string, unknown> | null }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="label">
        Input (JSON)
      </label>
      <textarea
        id={id}
        name="input"
        className="input min-h-32 font-mono text-sm"
        spellCheck={false}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      {error ? (
        <p id={`${id}-error`} className="field-error" data-testid="field-error-input">
          {error}
        </p>
      ) : null}
      {schema ? (
        <details className="text-xs">
          <summary className="cursor-pointer">Its JSON Schema</summary>
          <pre className="overflow-x-auto rounded bg-stone-100 p-2">{JSON.stringify(schema, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}
