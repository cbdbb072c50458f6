import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <div className="card mx-auto max-w-lg space-y-3 text-center">
      <h1>Page not found</h1>
      <p className="text-sm text-stone-600">There is nothing here, or you cannot see it. Check the address, or sign in with another account.</p>
      <Link href="/">Go to the home page</Link>
    </div>
  );
}
