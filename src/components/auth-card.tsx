import type { ReactNode } from "react";

export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-md">
      <div className="card space-y-5">
        <div className="space-y-1">
          <h1>{title}</h1>
          {intro ? <p className="text-sm text-stone-600">{intro}</p> : null}
        </div>
        {children}
      </div>
    </div>
  );
}

/** Only same-site paths may be returned to after signing in. */
export function safeReturnPath(candidate: string | string[] | undefined): string {
  const value = Array.isArray(candidate) ? candidate[0] : candidate;
  return value && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/dashboard";
}
