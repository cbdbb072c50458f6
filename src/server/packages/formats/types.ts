import type { FileType } from "../../db/schema/packages";

/** What Granary learns from an uploaded file's own metadata; the upload service trusts nothing else. */
export interface ParsedDistribution {
  fileType: FileType;
  /** The name the file declares (conda: index.json `name`; Python: METADATA `Name`; notebook: file stem). */
  name: string;
  /** Null for notebooks and environments, which carry no version: the upload service assigns one. */
  version: string | null;
  /** Where the file is indexed: a conda platform (`noarch`, `linux-64`, ...), `pypi`, `notebooks` or `environments`. */
  subdir: string;
  summary: string | null;
  description: string | null;
  /** `text/markdown`, `text/x-rst` or `text/plain`. */
  descriptionContentType: string | null;
  license: string | null;
  homepage: string | null;
  requiresPython: string | null;
  /** The wheel's METADATA file as uploaded, served as PEP 658 metadata. */
  coreMetadata: string | null;
  /**
   * conda: the whole info/index.json (name, version, build, build_number, depends, constrains, license,
   * subdir, timestamp, noarch, track_features, ...) as repodata needs it; Python: core metadata fields (lists
   * for repeatable ones such as Requires-Dist, Classifier); notebook: kernel and language, cell count;
   * environment: its name, channels and dependencies.
   */
  metadata: Record<string, unknown>;
}
