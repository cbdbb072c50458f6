import type { Metadata } from "next";
import Link from "next/link";
import { requirePagePermission } from "@/server/auth/guards";
import { TransferForm } from "./transfer-form";

export const metadata: Metadata = { title: "Transfer applications" };

/** Seed 003's Transfer: applications copied from another Granary with its address and a transfer token from there. */
export default async function TransferApplicationsPage() {
  await requirePagePermission("admin:applications:update", "/admin/applications/transfer");
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/admin/applications">← Applications</Link>
      </p>
      <div>
        <h1>Transfer applications</h1>
        <p className="text-sm text-stone-700">
          Copies applications from another Granary. On that Granary, an administrator gets a transfer token under Admin → Actions (it lasts an hour and
          serves one transfer). Enter its address and the token, pick the applications, and they are installed here as jobs.
        </p>
      </div>
      <TransferForm />
    </div>
  );
}
