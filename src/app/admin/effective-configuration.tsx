import { TableContainer } from "@/components/table-container";
import type { EffectiveSetting, SettingSource } from "@/server/services/effective-configuration";

const sourceLabels: Record<SettingSource, string> = { environment: "Environment", database: "Database", default: "Default" };

/** A read-only table of settings with where each value comes from; secrets arrive masked from the service. */
export function SettingsTable({ caption, settings, testId }: { caption: string; settings: EffectiveSetting[]; testId: string }) {
  return (
    <TableContainer label={caption}>
      <table className="data-table" data-testid={testId}>
        <caption className="px-3 py-2 text-left font-semibold">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Value</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {settings.map((setting) => (
            <tr key={setting.name} data-setting={setting.name} data-source={setting.source}>
              <th scope="row" className="font-mono text-xs font-medium break-all">
                {setting.name}
              </th>
              <td className="font-mono text-xs break-all">
                {setting.value}
                {setting.secret ? <span className="sr-only"> (a secret, masked)</span> : null}
              </td>
              <td className="text-sm">{sourceLabels[setting.source]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableContainer>
  );
}
