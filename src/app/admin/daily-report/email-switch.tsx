"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/trpc/client";

/** "E-mail me the daily report": yesterday's report, every morning (UTC), to this administrator's address. */
export function DailyReportEmailSwitch({ enabled: initiallyEnabled, email }: { enabled: boolean; email: string }) {
  const trpc = useTRPC();
  const [enabled, setEnabled] = useState(initiallyEnabled);
  const [message, setMessage] = useState("");
  const change = useMutation(trpc.dailyReport.setEmailSubscription.mutationOptions());
  return (
    <div className="flex items-start gap-2">
      <input
        id="daily-report-email"
        type="checkbox"
        className="mt-1 h-4 w-4"
        checked={enabled}
        disabled={change.isPending}
        aria-describedby="daily-report-email-hint daily-report-email-status"
        onChange={async (event) => {
          const wanted = event.target.checked;
          setMessage("");
          try {
            const result = await change.mutateAsync({ enabled: wanted });
            setEnabled(result.enabled);
            setMessage(result.enabled ? "Saved: the report will be e-mailed to you every morning." : "Saved: no more report e-mails.");
          } catch {
            setMessage("That did not work. Check your connection and try again.");
          }
        }}
      />
      <div>
        <label htmlFor="daily-report-email" className="text-sm font-medium">
          E-mail me the daily report
        </label>
        <p id="daily-report-email-hint" className="text-sm text-stone-600">
          Yesterday&apos;s report, sent to {email} shortly after midnight UTC.
        </p>
        <p id="daily-report-email-status" role="status" className="text-sm text-brand-800" data-testid="daily-report-email-status">
          {message}
        </p>
      </div>
    </div>
  );
}
