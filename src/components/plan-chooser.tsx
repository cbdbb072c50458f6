"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { RouterOutputs } from "@/client";
import { formatBytes } from "@/shared/format-bytes";
import { useTRPC } from "@/trpc/client";
import { FormMessage } from "./form";

type Plan = RouterOutputs["billing"]["get"]["plans"][number];

function limitText(plan: Plan): string {
  const privatePackages =
    plan.maxPrivatePackages === null ? "private packages without limit" : plan.maxPrivatePackages === 0 ? "no private packages" : `up to ${plan.maxPrivatePackages} private packages`;
  const storage = plan.maxStorageBytes === null ? "storage without limit" : `${formatBytes(plan.maxStorageBytes)} of storage`;
  return `${privatePackages[0]!.toUpperCase()}${privatePackages.slice(1)}, ${storage}.`;
}

/** The plans of the owner's kind, each with what it allows and how to get it. */
export function PlanChooser({ owner, currentSlug, plans, mayChange }: { owner: string; currentSlug: string; plans: Plan[]; mayChange: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [message, setMessage] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  const change = useMutation(trpc.billing.changePlan.mutationOptions());

  const choose = async (plan: Plan) => {
    setMessage(null);
    try {
      await change.mutateAsync({ owner, plan: plan.slug });
      setMessage({ tone: "success", text: `${owner} is now on the ${plan.name} plan.` });
      router.refresh();
    } catch (error) {
      setMessage({ tone: "error", text: error instanceof Error ? error.message : "The plan could not be changed." });
    }
  };

  return (
    <div className="space-y-3">
      {message ? <FormMessage tone={message.tone}>{message.text}</FormMessage> : null}
      <ul className="grid gap-3 md:grid-cols-2">
        {plans.map((plan) => {
          const current = plan.slug === currentSlug;
          const pending = change.isPending && change.variables?.plan === plan.slug;
          return (
            <li key={plan.slug} className={`card space-y-2 ${current ? "border-brand-600" : ""}`} data-testid="plan-option" data-plan={plan.slug}>
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h3 className="font-semibold">{plan.name}</h3>
                {plan.priceLabel ? <span className="text-sm text-stone-600">{plan.priceLabel}</span> : null}
              </div>
              {plan.description ? <p className="text-sm text-stone-700">{plan.description}</p> : null}
              <p className="text-sm text-stone-700">{limitText(plan)}</p>
              {current ? (
                <p className="text-sm font-semibold text-brand-800">Your current plan</p>
              ) : plan.selfService ? (
                mayChange ? (
                  <button type="button" className="button-secondary" disabled={change.isPending} aria-busy={pending || undefined} onClick={() => choose(plan)}>
                    {pending ? "Switching…" : `Switch to ${plan.name}`}
                  </button>
                ) : null
              ) : (
                <p className="text-sm text-stone-600">Given by the site&apos;s administrators: contact one of them to switch to {plan.name}.</p>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
