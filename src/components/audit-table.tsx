import type { RouterOutputs } from "@/client";
import { DateTime } from "./date-time";
import { TableContainer } from "./table-container";

type AuditRow = RouterOutputs["admin"]["listSecurityLog"]["items"][number];

export function AuditTable({ rows, caption, showActor = false }: { rows: AuditRow[]; caption: string; showActor?: boolean }) {
  return (
    <TableContainer label={caption}>
      <table className="data-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            {showActor ? <th scope="col">By</th> : null}
            <th scope="col">Concerning</th>
            <th scope="col">IP address</th>
            <th scope="col" className="hidden md:table-cell">
              Browser or client
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-action={row.action}>
              <td className="whitespace-nowrap">
                <DateTime value={row.createdAt} />
              </td>
              <td>{row.description}</td>
              {showActor ? <td>{row.actorLabel}</td> : null}
              <td>{row.targetLabel ?? "—"}</td>
              <td className="font-mono text-xs">{row.ipAddress ?? "—"}</td>
              <td className="hidden max-w-xs truncate text-xs text-stone-600 md:table-cell">{row.userAgent ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableContainer>
  );
}
