import { highlightCode, renderMarkdown } from "@/components/markup";
import type { RouterOutputs } from "@/client";

type Preview = NonNullable<RouterOutputs["packages"]["notebookPreview"]>;

/**
 * A notebook read-only: Markdown cells through the sanitizing renderer, code highlighted on the server, outputs
 * as text or as data-URL images (notebook-preview.ts decides which). Nothing in it runs.
 */
export function NotebookPreview({ preview }: { preview: Preview }) {
  if (preview.status !== "ready") {
    return (
      <p className="text-sm text-stone-700" data-testid="notebook-preview">
        {preview.status === "too-large" ? `${preview.filename} is too large to preview here: download it to open it.` : `${preview.filename} could not be read for a preview.`}
      </p>
    );
  }
  return (
    <div className="space-y-4" data-testid="notebook-preview">
      <p className="text-sm text-stone-600">
        {preview.filename} (version {preview.version}), shown read-only: nothing in it runs.
      </p>
      {preview.cells.map((cell, index) => (
        <div key={index} className="min-w-0 space-y-2">
          {cell.kind === "markdown" ? (
            <div className="package-description" dangerouslySetInnerHTML={{ __html: renderMarkdown(cell.source) }} />
          ) : cell.kind === "code" ? (
            <div className="package-description">
              <p className="font-mono text-xs text-stone-500">In [{cell.executionCount ?? " "}]:</p>
              <pre tabIndex={0}>
                <code className="hljs" dangerouslySetInnerHTML={{ __html: highlightCode(cell.source, preview.language) }} />
              </pre>
            </div>
          ) : (
            <pre className="rounded-md bg-stone-100 p-3 text-xs break-words whitespace-pre-wrap">{cell.source}</pre>
          )}
          {cell.outputs.map((output, outputIndex) =>
            output.kind === "text" ? (
              <pre
                key={outputIndex}
                tabIndex={0}
                className={`max-h-96 overflow-auto rounded-md border p-3 text-xs whitespace-pre-wrap break-words ${output.error ? "border-red-200 bg-red-50 text-red-900" : "border-stone-200 bg-white"}`}
              >
                {output.text}
              </pre>
            ) : (
              // A data URL the server checked: it loads nothing from anywhere, which next/image would not add to.
              // eslint-disable-next-line @next/next/no-img-element
              <img key={outputIndex} src={output.dataUrl} alt={`Output ${outputIndex + 1} of cell ${index + 1}`} className="h-auto max-w-full" />
            ),
          )}
        </div>
      ))}
      {preview.truncated ? <p className="text-sm text-stone-600">The preview stops here: download the notebook to read the rest.</p> : null}
    </div>
  );
}
