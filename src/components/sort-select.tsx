import { packageSortSchema, type PackageSort } from "@/shared/schemas/packages";

const sortLabels: Record<PackageSort, string> = {
  relevance: "Best match",
  downloads: "Most downloaded",
  stars: "Most starred",
  updated: "Recently updated",
};

export function parseSort(value: string | string[] | undefined, fallback: PackageSort): PackageSort {
  const parsed = packageSortSchema.safeParse(Array.isArray(value) ? value[0] : value);
  return parsed.success ? parsed.data : fallback;
}

/** The order of a package list, as a field of the surrounding GET form. */
export function SortSelect({ id, current }: { id: string; current: PackageSort }) {
  return (
    <div>
      <label htmlFor={id} className="label">
        Sort by
      </label>
      <select id={id} name="sort" defaultValue={current} className="input py-1.5">
        {packageSortSchema.options.map((option) => (
          <option key={option} value={option}>
            {sortLabels[option]}
          </option>
        ))}
      </select>
    </div>
  );
}
