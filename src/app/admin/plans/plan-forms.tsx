"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId } from "react";
import type { RouterOutputs } from "@/client";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { academicDomainsFormSchema, assignPlanSchema, gigabytesOf, planFormSchema } from "@/shared/schemas/plans";
import { useTRPC } from "@/trpc/client";

type Plan = RouterOutputs["billing"]["listPlans"][number];

const audienceLabels = { user: "personal accounts", organization: "organizations" } as const;

export function PlanForm({ plan }: { plan: Plan }) {
  const trpc = useTRPC();
  const router = useRouter();
  const descriptionId = useId();
  const selfServiceId = useId();
  const update = useMutation(trpc.billing.updatePlan.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(planFormSchema, {
    defaultValues: {
      slug: plan.slug,
      name: plan.name,
      description: plan.description,
      priceLabel: plan.priceLabel,
      selfService: plan.selfService,
      maxPrivatePackages: plan.maxPrivatePackages === null ? "" : String(plan.maxPrivatePackages),
      maxStorageGigabytes: gigabytesOf(plan.maxStorageBytes),
    },
    hiddenFields: ["slug"],
    onSubmit: async (values) => {
      const saved = await update.mutateAsync(values);
      router.refresh();
      return `Saved the ${saved.name} plan.`;
    },
  });
  return (
    <form onSubmit={submit} noValidate className="card space-y-3" aria-label={`The ${plan.name} plan for ${audienceLabels[plan.audience]}`} data-testid="plan-form" data-plan={plan.slug}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-semibold">
          {plan.name} <span className="font-normal text-stone-600">· for {audienceLabels[plan.audience]}</span>
        </h3>
        <span className="text-xs text-stone-600">
          <code>{plan.slug}</code>
          {plan.isDefault ? " · default" : ""} · {plan.owners} {plan.owners === 1 ? "owner" : "owners"}
        </span>
      </div>
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField label="Name" autoComplete="off" error={errors.name?.message} {...form.register("name")} />
        <TextField label="Price label" autoComplete="off" hint="Shown beside the plan, e.g. Free." error={errors.priceLabel?.message} {...form.register("priceLabel")} />
        <TextField
          label="Private packages"
          inputMode="numeric"
          autoComplete="off"
          hint="Empty: no limit."
          error={errors.maxPrivatePackages?.message}
          {...form.register("maxPrivatePackages")}
        />
        <TextField
          label="Storage (GB)"
          inputMode="decimal"
          autoComplete="off"
          hint="Empty: no limit."
          error={errors.maxStorageGigabytes?.message}
          {...form.register("maxStorageGigabytes")}
        />
      </div>
      <div>
        <label htmlFor={descriptionId} className="label">
          Description
        </label>
        <textarea
          id={descriptionId}
          rows={2}
          className="input"
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={errors.description ? `${descriptionId}-error` : undefined}
          {...form.register("description")}
        />
        {errors.description ? (
          <p id={`${descriptionId}-error`} className="field-error">
            {errors.description.message}
          </p>
        ) : null}
      </div>
      <div className="flex items-start gap-2">
        <input id={selfServiceId} type="checkbox" className="mt-1 h-4 w-4" aria-describedby={`${selfServiceId}-hint`} {...form.register("selfService")} />
        <div>
          <label htmlFor={selfServiceId} className="text-sm font-medium">
            Self-service
          </label>
          <p id={`${selfServiceId}-hint`} className="text-sm text-stone-600">
            Owners may switch to it themselves under Billing; otherwise Billing tells them to ask an administrator.
          </p>
        </div>
      </div>
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Saving…" className="button-secondary">
        Save {plan.name}
      </SubmitButton>
    </form>
  );
}

export function AssignPlanForm({ plans }: { plans: { slug: string; name: string; audience: Plan["audience"] }[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const planId = useId();
  const assign = useMutation(trpc.billing.assignPlan.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(assignPlanSchema, {
    defaultValues: { owner: "", plan: plans[0]?.slug ?? "" },
    onSubmit: async (values) => {
      const plan = await assign.mutateAsync(values);
      form.reset({ owner: "", plan: values.plan });
      router.refresh();
      return `${values.owner} now has the ${plan.name} plan.`;
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <div className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-start">
        <TextField label="Account or organization" autoComplete="off" error={errors.owner?.message} {...form.register("owner")} />
        <div>
          <label htmlFor={planId} className="label">
            Plan
          </label>
          <select
            id={planId}
            className="input"
            aria-invalid={errors.plan ? true : undefined}
            aria-describedby={errors.plan ? `${planId}-error` : undefined}
            {...form.register("plan")}
          >
            {plans.map((plan) => (
              <option key={plan.slug} value={plan.slug}>
                {plan.name} (for {audienceLabels[plan.audience]})
              </option>
            ))}
          </select>
          {errors.plan ? (
            <p id={`${planId}-error`} className="field-error">
              {errors.plan.message}
            </p>
          ) : null}
        </div>
        <div className="sm:pt-6">
          <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Assigning…">
            Assign plan
          </SubmitButton>
        </div>
      </div>
    </form>
  );
}

export function AcademicDomainsForm({ domains }: { domains: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const fieldId = useId();
  const save = useMutation(trpc.billing.setAcademicDomains.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(academicDomainsFormSchema, {
    defaultValues: { domains: domains.join("\n") },
    onSubmit: async (values) => {
      const saved = await save.mutateAsync(values);
      form.reset({ domains: saved.join("\n") });
      router.refresh();
      return saved.length === 0 ? "Saved: no domain gets the Academic plan now." : `Saved ${saved.length} ${saved.length === 1 ? "domain" : "domains"}.`;
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <div>
        <label htmlFor={fieldId} className="label">
          Domains, one a line
        </label>
        <textarea
          id={fieldId}
          rows={4}
          className="input max-w-md font-mono"
          aria-invalid={errors.domains ? true : undefined}
          aria-describedby={errors.domains ? `${fieldId}-error` : undefined}
          {...form.register("domains")}
        />
        {errors.domains ? (
          <p id={`${fieldId}-error`} className="field-error">
            {errors.domains.message}
          </p>
        ) : null}
      </div>
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Saving…" className="button-secondary">
        Save domains
      </SubmitButton>
    </form>
  );
}
