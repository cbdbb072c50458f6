import { parseDocument } from "yaml";
import { AppError } from "../../errors";
import { readWholeFile } from "./files";
import { FileProblems, isPlainObject, type ParseLimits } from "./problems";
import type { ParsedDistribution } from "./types";

type Dependency = string | { pip: string[] };

/** A conda environment file (`conda env create -f environment.yml`). It carries no version. */
export async function parseEnvironment(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const problems = new FileProblems(filename, "environment");
  const bytes = await readWholeFile(filePath, problems, limits.maxMetadataBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw problems.invalid("it is not UTF-8 text");
  }
  let environment: unknown;
  try {
    // The alias cap keeps a "billion laughs" document from expanding without end.
    const document = parseDocument(text, { uniqueKeys: true });
    const [error] = document.errors;
    if (error) throw problems.invalid(`it is not valid YAML (${error.message.split("\n")[0]})`);
    environment = document.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw problems.invalid(`it is not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
  }
  if (!isPlainObject(environment)) throw problems.invalid("it is not a YAML mapping");

  const subject = "environment";
  const { name, channels, dependencies } = environment;
  if (name === undefined || name === null || name === "") throw problems.metadata(subject, "has no name");
  if (typeof name !== "string" || name.trim() !== name) throw problems.metadata(subject, "has a name that is not a plain string");
  if (channels !== undefined && channels !== null && (!Array.isArray(channels) || !channels.every((channel) => typeof channel === "string" && channel !== ""))) {
    throw problems.metadata(subject, "has channels that are not a list of names");
  }
  if (dependencies === undefined || dependencies === null) throw problems.metadata(subject, "has no dependencies");
  if (!Array.isArray(dependencies)) throw problems.metadata(subject, "has dependencies that are not a list");
  const checked: Dependency[] = dependencies.map((dependency: unknown) => {
    if (typeof dependency === "string" && dependency.trim() !== "") return dependency.trim();
    if (isPlainObject(dependency) && Object.keys(dependency).length === 1 && Array.isArray(dependency.pip) && dependency.pip.every((item) => typeof item === "string" && item.trim() !== "")) {
      return { pip: dependency.pip.map((item: string) => item.trim()) };
    }
    throw problems.metadata(subject, `has a dependency that is neither a package spec nor a pip list (${JSON.stringify(dependency) ?? String(dependency)})`);
  });

  return {
    fileType: "environment",
    name,
    version: null,
    subdir: "environments",
    summary: null,
    description: null,
    descriptionContentType: null,
    license: null,
    homepage: null,
    requiresPython: null,
    coreMetadata: null,
    metadata: { name, channels: channels ?? [], dependencies: checked },
  };
}
