"use client";

export default function GlobalError({ error }: { error: Error & { digest?: string } }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "2rem", textAlign: "center" }}>
        <h1>Something went wrong</h1>
        <p>The problem was on our side and has been recorded for the site administrators.{error.digest ? ` Reference: ${error.digest}.` : ""}</p>
        {/* The root layout failed, so the router cannot be relied on: a plain link reloads the page. */}
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
        <a href="/">Go to the home page</a>
      </body>
    </html>
  );
}
