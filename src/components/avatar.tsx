"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";

/**
 * The account's Gravatar image, for sites that turn Gravatar on (a site setting, off by default: every picture
 * would tell Gravatar who is reading this site). Falls back to the generated avatar when the image cannot load
 * (offline, none set).
 */
export function GravatarImage({ gravatarUrl, fallback, size = 28 }: { gravatarUrl: string; fallback: ReactNode; size?: number }) {
  const [failed, setFailed] = useState(false);
  const imageRef = useRef<HTMLImageElement>(null);
  // An image that failed before hydration fired its error event before React listened for it.
  useEffect(() => {
    const image = imageRef.current;
    if (image?.complete && image.naturalWidth === 0) setFailed(true);
  }, []);
  if (failed) return <>{fallback}</>;
  return (
    // A plain img: Gravatar is an external host, and the fallback needs the element's own error event.
    // eslint-disable-next-line @next/next/no-img-element
    <img ref={imageRef} src={gravatarUrl} alt="" width={size} height={size} className="rounded-full bg-stone-600" onError={() => setFailed(true)} />
  );
}
