/**
 * The client commands a package page offers. A private package is reached with an access token, never with a
 * password in a URL: URLs end up in shell history, logs, lock files and CI output, and a leaked token can be
 * revoked alone, limited to downloads, and found by secret scanners.
 */

/** Stands in for the reader's own token in the commands shown. */
export const tokenPlaceholder = "<TOKEN>";

export interface InstallTarget {
  /** The site's public address, without a trailing slash. */
  base: string;
  owner: string;
  name: string;
  /** Private packages get commands with a token placeholder. */
  isPrivate: boolean;
}

export interface InstallCommand {
  label: string;
  command: string;
}

/** conda reads a token in the channel's path, `/t/<token>/`. */
function channelUrl(target: InstallTarget, label?: string): string {
  const tokenPath = target.isPrivate ? `/t/${tokenPlaceholder}` : "";
  return `${target.base}${tokenPath}/${target.owner}${label ? `/label/${label}` : ""}`;
}

/** pip and poetry take a token as the password of the user `__token__` in the index URL. */
function indexUrl(target: InstallTarget): string {
  const base = target.isPrivate ? target.base.replace("://", `://__token__:${tokenPlaceholder}@`) : target.base;
  return `${base}/${target.owner}/simple/`;
}

/** A file download: the token goes in the path, where every client keeps it. */
function fileUrl(target: InstallTarget, subdir: string, filename: string): string {
  return `${target.base}${target.isPrivate ? `/t/${tokenPlaceholder}` : ""}/${target.owner}/files/${subdir}/${filename}`;
}

export function condaInstallCommands(target: InstallTarget, labels: readonly string[]): InstallCommand[] {
  const scope = target.isPrivate ? " (a token with conda:download)" : "";
  return [
    { label: `With conda${scope}`, command: `conda install -c ${channelUrl(target)} ${target.name}` },
    ...labels
      .filter((label) => label !== "main")
      .map((label) => ({ label: `From the ${label} label${scope}`, command: `conda install -c ${channelUrl(target, label)} ${target.name}` })),
  ];
}

export function pipInstallCommand(target: InstallTarget): InstallCommand {
  return { label: `With pip${target.isPrivate ? " (a token with pypi:download)" : ""}`, command: `pip install --index-url ${indexUrl(target)} ${target.name}` };
}

export function environmentCommand(target: InstallTarget, filename: string): InstallCommand {
  return { label: "Create the environment", command: `conda env create --file ${fileUrl(target, "environments", filename)}` };
}

export function notebookCommand(target: InstallTarget, filename: string): InstallCommand {
  return { label: "Download the notebook", command: `curl -O ${fileUrl(target, "notebooks", filename)}` };
}

/** The conda-compatible clients' commands for one label of the channel (`main` is the channel itself). */
export function condaClientCommands(target: InstallTarget, label: string): InstallCommand[] {
  const channel = channelUrl(target, label === "main" ? undefined : label);
  const scope = target.isPrivate ? " (a token with conda:download)" : "";
  return [
    { label: `conda${scope}`, command: `conda install -c ${channel} ${target.name}` },
    { label: `mamba${scope}`, command: `mamba install -c ${channel} ${target.name}` },
    { label: `pixi${scope}`, command: `pixi add --channel ${channel} ${target.name}` },
  ];
}

/** pip, and poetry with the index as a supplemental source (its token in poetry's own credential store). */
export function pythonClientCommands(target: InstallTarget): InstallCommand[] {
  const scope = target.isPrivate ? " (a token with pypi:download)" : "";
  const index = `${target.base}/${target.owner}/simple/`;
  return [
    { label: `pip${scope}`, command: `pip install --index-url ${indexUrl(target)} ${target.name}` },
    {
      label: `poetry${scope}`,
      command: [
        `poetry source add --priority=supplemental granary ${index}`,
        ...(target.isPrivate ? [`poetry config http-basic.granary __token__ ${tokenPlaceholder}`] : []),
        `poetry add --source granary ${target.name}`,
      ].join("\n"),
    },
  ];
}
