"use client";

/**
 * A thin bar across the top of the window while a followed link is loading. Pages here are rendered per request
 * and there is deliberately no root loading.tsx (it would answer every missing page with a 200), so without this a
 * click on a slow page looks dead. The bar starts when a same-site link is followed in this tab and ends when the
 * address has changed.
 */
import { usePathname, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useState } from "react";

function followedLinkTarget(event: MouseEvent): URL | null {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const anchor = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!(anchor instanceof HTMLAnchorElement) || anchor.hasAttribute("download")) return null;
  if (anchor.target && anchor.target !== "_self") return null;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return null;
  // A jump within the page (or to the page itself) loads nothing.
  if (url.pathname === window.location.pathname && url.search === window.location.search) return null;
  return url;
}

function ProgressBar() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const address = `${pathname}?${searchParams.toString()}`;
  // The address a navigation left from: once the address is another, the navigation has arrived.
  const [leaving, setLeaving] = useState<string | null>(null);
  const pending = leaving === address;

  useEffect(() => {
    // Capture: next/link cancels the click's default in its own handler, before a bubbling listener would run.
    const onClick = (event: MouseEvent) => {
      if (followedLinkTarget(event)) setLeaving(`${window.location.pathname}?${new URLSearchParams(window.location.search).toString()}`);
    };
    const onHistory = () => setLeaving(null);
    document.addEventListener("click", onClick, { capture: true });
    window.addEventListener("popstate", onHistory);
    return () => {
      document.removeEventListener("click", onClick, { capture: true });
      window.removeEventListener("popstate", onHistory);
    };
  }, []);

  if (!pending) return null;
  return (
    <div role="progressbar" aria-label="Loading the page" data-testid="navigation-progress" className="fixed inset-x-0 top-0 z-50 h-1 overflow-hidden bg-amber-100">
      <div className="h-full w-1/3 animate-[navigation-progress_1.2s_ease-in-out_infinite] bg-amber-500 motion-reduce:w-full motion-reduce:animate-none" />
    </div>
  );
}

export function NavigationProgress() {
  // useSearchParams needs a Suspense boundary, or the whole page would be rendered in the browser.
  return (
    <Suspense fallback={null}>
      <ProgressBar />
    </Suspense>
  );
}
