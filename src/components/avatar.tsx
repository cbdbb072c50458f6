"use client";

import { useEffect, useRef, useState } from "react";

/** The account's Gravatar image, falling back to its initials when the image cannot load (offline, none set). */
export function Avatar({ gravatarUrl, displayName, size = 28 }: { gravatarUrl: string; displayName: string; size?: number }) {
  const [failed, setFailed] = useState(false);
  const imageRef = useRef<HTMLImageElement>(null);
  // An image that failed before hydration fired its error event before React listened for it.
  useEffect(() => {
    const image = imageRef.current;
    if (image?.complete && image.naturalWidth === 0) setFailed(true);
  }, []);
  const initials =
    displayName
      .split(/[\s_-]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => part[0]!.toUpperCase())
      .join("") || "?";
  if (failed) {
    return (
      <span
        aria-hidden="true"
        data-testid="avatar-initials"
        style={{ width: size, height: size }}
        className="inline-flex items-center justify-center rounded-full bg-brand-600 text-xs font-bold text-white"
      >
        {initials}
      </span>
    );
  }
  return (
    // A plain img: Gravatar is an external host, and the fallback needs the element's own error event.
    // eslint-disable-next-line @next/next/no-img-element
    <img ref={imageRef} src={gravatarUrl} alt="" width={size} height={size} className="rounded-full bg-stone-600" onError={() => setFailed(true)} />
  );
}
