import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { NavigationProgress } from "@/components/navigation-progress";
import { TopBar } from "@/components/top-bar";
import { getCurrentActor } from "@/server/auth/actor";
import { ApiProvider } from "@/trpc/client";
import { ReadOnlyBanner } from "./read-only-banner";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Granary", template: "%s · Granary" },
  description: "Packages, notebooks and environments for your data-science team.",
  icons: { icon: { url: "/favicon.svg", type: "image/svg+xml" } },
  manifest: "/manifest.webmanifest",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#1c1917" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const actor = await getCurrentActor();
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
          Skip to content
        </a>
        <NavigationProgress />
        <ApiProvider>
          <TopBar actor={actor} />
          <ReadOnlyBanner />
          <main id="main" tabIndex={-1} className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:py-10">
            {children}
          </main>
        </ApiProvider>
        <footer className="border-t border-stone-200 py-4 text-center text-xs text-stone-500">
          Granary · <Link href="/terms">Terms and Conditions</Link>
        </footer>
      </body>
    </html>
  );
}
