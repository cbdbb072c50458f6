"use client";

import { useId, useState } from "react";
import { CopyCommand } from "@/components/copy-command";
import type { InstallCommand } from "@/shared/install-commands";

/**
 * The install commands of one package, one client at a time: a tab per client (conda, mamba, pixi, pip, poetry)
 * and, for conda packages, the label to install from. Every command is computed on the server; this only picks.
 */
export function InstallPicker({ conda, python }: { conda: { label: string; commands: InstallCommand[] }[]; python: InstallCommand[] }) {
  const labelPickerId = useId();
  const [label, setLabel] = useState(conda[0]?.label ?? "main");
  const condaCommands = conda.find((entry) => entry.label === label)?.commands ?? conda[0]?.commands ?? [];
  const commands = [...condaCommands, ...python];
  const [tool, setTool] = useState(0);
  const current = commands[Math.min(tool, commands.length - 1)];
  if (!current) return null;
  const toolName = (command: InstallCommand) => command.label.split(" ")[0]!;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <div role="group" aria-label="Client" className="flex flex-wrap gap-1">
          {commands.map((command, index) => (
            <button
              key={command.label}
              type="button"
              aria-pressed={index === tool}
              onClick={() => setTool(index)}
              className={`rounded-md border px-3 py-1 text-sm font-medium ${index === tool ? "border-brand-700 bg-brand-700 text-white" : "border-stone-300 bg-white text-stone-800 hover:bg-stone-100"}`}
            >
              {toolName(command)}
            </button>
          ))}
        </div>
        {conda.length > 1 && tool < condaCommands.length ? (
          <div>
            <label htmlFor={labelPickerId} className="label">
              Label
            </label>
            <select id={labelPickerId} className="input py-1" value={label} onChange={(event) => setLabel(event.target.value)}>
              {conda.map((entry) => (
                <option key={entry.label} value={entry.label}>
                  {entry.label}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      <CopyCommand label={current.label} command={current.command} />
    </div>
  );
}
