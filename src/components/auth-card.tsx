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
