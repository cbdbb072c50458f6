"use client";

/** The friendly face of an unexpected error; the details are recorded on the server for administrators. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" data-testid="error-page" className="card mx-auto max-w-lg space-y-3 text-center">
      <h1>Something went wrong</h1>
      <p className="text-sm text-stone-600">
        The problem was on our side and has been recorded for the site administrators.
        {error.digest ? ` Reference: ${error.digest}.` : ""}
      </p>
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
