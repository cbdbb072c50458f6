"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { labelSchema } from "@/shared/schemas/packages";

type UploadStatus = "waiting" | "uploading" | "done" | "failed";

interface UploadItem {
  key: string;
  file: File;
  status: UploadStatus;
  progress: number;
  message: string;
  packageUrl?: string;
}

interface UploadResult {
  owner: string;
  name: string;
  version: string;
  filename: string;
}

/** Several files go up at once, each with its own progress bar; two at a time keeps the server responsive. */
const parallelUploads = 2;

function uploadFile(url: string, file: File, onProgress: (fraction: number) => void): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    // The upload endpoint accepts the session cookie only with this header, which other sites cannot send.
    request.setRequestHeader("X-Requested-With", "granary");
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      let body: { error?: string } & Partial<UploadResult> = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // A non-JSON answer is reported by its status below.
      }
      if (request.status >= 200 && request.status < 300) resolve(body as UploadResult);
      else reject(new Error(body.error ?? `The server answered ${request.status}.`));
    };
    request.onerror = () => reject(new Error("The connection failed before the upload finished."));
    request.send(file);
  });
}

/** `owners`: the account itself first, then the organizations it may publish under. */
export function UploadForm({ owners, initialOwner }: { owners: string[]; initialOwner: string }) {
  const router = useRouter();
  const inputId = useId();
  const labelId = useId();
  const ownerId = useId();
  const [owner, setOwner] = useState(initialOwner);
  const [items, setItems] = useState<UploadItem[]>([]);
  const [label, setLabel] = useState("main");
  const [makePrivate, setMakePrivate] = useState(false);
  const [replace, setReplace] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [formError, setFormError] = useState("");
  const [busy, setBusy] = useState(false);

  const update = (key: string, change: Partial<UploadItem>) =>
    setItems((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const addFiles = (files: FileList | null) => {
    if (!files?.length) return;
    const added = Array.from(files).map((file, index) => ({
      key: `${file.name}-${file.size}-${file.lastModified}-${Date.now()}-${index}`,
      file,
      status: "waiting" as const,
      progress: 0,
      message: "",
    }));
    setItems((current) => [...current, ...added]);
  };

  const start = async () => {
    const parsedLabel = labelSchema.safeParse(label);
    if (!parsedLabel.success) {
      setFormError(parsedLabel.error.issues[0]?.message ?? "Enter a label.");
      return;
    }
    setFormError("");
    const queue = items.filter((item) => item.status === "waiting" || item.status === "failed");
    if (queue.length === 0) {
      setFormError("Choose or drop at least one file first.");
      return;
    }
    setBusy(true);
    const params = new URLSearchParams({ label: parsedLabel.data, ...(makePrivate ? { private: "1" } : {}), ...(replace ? { force: "1" } : {}) });
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const item = next;
        update(item.key, { status: "uploading", progress: 0, message: "" });
        try {
          const url = `/api/channels/${encodeURIComponent(owner)}/upload/${encodeURIComponent(item.file.name)}?${params}`;
          const result = await uploadFile(url, item.file, (fraction) => update(item.key, { progress: fraction }));
          update(item.key, { status: "done", progress: 1, message: `Published ${result.name} ${result.version}.`, packageUrl: `/${result.owner}/${result.name}` });
        } catch (error) {
          update(item.key, { status: "failed", message: error instanceof Error ? error.message : "The upload failed." });
        }
      }
    };
    await Promise.all(Array.from({ length: parallelUploads }, worker));
    setBusy(false);
    router.refresh();
  };

  return (
    <div className="space-y-4">
      <div
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          addFiles(event.dataTransfer.files);
        }}
        data-testid="drop-zone"
        className={`rounded-lg border-2 border-dashed px-6 py-10 text-center ${dragging ? "border-brand-600 bg-brand-50" : "border-stone-300 bg-white"}`}
      >
        <p className="text-sm text-stone-700">Drag and drop files here, or</p>
        <input
          id={inputId}
          type="file"
          multiple
          className="peer sr-only"
          accept=".conda,.bz2,.whl,.gz,.zip,.ipynb,.yml,.yaml"
          onChange={(event) => {
            addFiles(event.target.files);
            event.target.value = "";
          }}
        />
        {/* The input is visually hidden: its label shows the focus it has, so keyboards see where they are. */}
        <label
          htmlFor={inputId}
          className="button-secondary mt-2 cursor-pointer peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-brand-600"
        >
          Choose files
        </label>
      </div>

      <div className={`card grid gap-4 ${owners.length > 1 ? "sm:grid-cols-2 lg:grid-cols-4" : "sm:grid-cols-3"}`}>
        {owners.length > 1 ? (
          <div>
            <label htmlFor={ownerId} className="label">
              Publish under
            </label>
            <select id={ownerId} className="input" value={owner} disabled={busy} onChange={(event) => setOwner(event.target.value)}>
              {owners.map((candidate, index) => (
                <option key={candidate} value={candidate}>
                  {index === 0 ? `${candidate} (you)` : candidate}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div>
          <label htmlFor={labelId} className="label">
            Label
          </label>
          <input id={labelId} className="input" value={label} onChange={(event) => setLabel(event.target.value)} />
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="h-4 w-4" checked={makePrivate} onChange={(event) => setMakePrivate(event.target.checked)} />
          Make the packages private
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="h-4 w-4" checked={replace} onChange={(event) => setReplace(event.target.checked)} />
          Replace files that already exist
        </label>
      </div>

      {formError ? (
        <p role="alert" className="text-sm text-red-700" data-testid="upload-error">
          {formError}
        </p>
      ) : null}

      {items.length > 0 ? (
        <ul className="space-y-3" aria-label="Files to upload">
          {items.map((item) => (
            <li key={item.key} className="card space-y-2 py-3" data-testid="upload-item" data-status={item.status}>
              <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
                <span className="font-medium break-all">{item.file.name}</span>
                <span className="text-stone-600">{item.status === "waiting" ? "Waiting" : item.status === "uploading" ? "Uploading" : item.status === "done" ? "Done" : "Failed"}</span>
              </div>
              <div
                role="progressbar"
                aria-label={`Upload of ${item.file.name}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(item.progress * 100)}
                className="h-2 w-full overflow-hidden rounded bg-stone-200"
              >
                <div className={`h-full ${item.status === "failed" ? "bg-red-600" : "bg-brand-600"}`} style={{ width: `${Math.round(item.progress * 100)}%` }} />
              </div>
              {item.message ? (
                <p role={item.status === "failed" ? "alert" : "status"} className={`text-sm ${item.status === "failed" ? "text-red-700" : "text-stone-700"}`}>
                  {item.message} {item.packageUrl ? <Link href={item.packageUrl}>Open the package</Link> : null}
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}

      <button type="button" className="button" onClick={start} disabled={busy}>
        {busy ? "Uploading…" : "Upload"}
      </button>
    </div>
  );
}
