/**
 * The run form of a task, built from its JSON Schema: an object whose properties are all of the common types
 * (string, number, integer, boolean, or an enum of strings and numbers) becomes one field each, with its required
 * ones marked; any other schema gets a JSON text field instead. The server checks the input against the schema
 * whichever form sent it.
 */
export type TaskInputField =
  | { name: string; label: string; description: string | null; required: boolean; kind: "string" | "number" | "integer" | "boolean"; defaultValue: unknown }
  | { name: string; label: string; description: string | null; required: boolean; kind: "enum"; options: (string | number)[]; defaultValue: unknown };

export type TaskInputForm = { kind: "fields"; fields: TaskInputField[] } | { kind: "json" };

const simpleTypes = new Set(["string", "number", "integer", "boolean"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function taskInputForm(schema: Record<string, unknown> | null): TaskInputForm {
  if (!schema) return { kind: "json" };
  if (schema.type !== "object" || !isRecord(schema.properties)) return { kind: "json" };
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === "string") : []);
  const fields: TaskInputField[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    if (!isRecord(property)) return { kind: "json" };
    const common = {
      name,
      label: typeof property.title === "string" ? property.title : name,
      description: typeof property.description === "string" ? property.description : null,
      required: required.has(name),
      defaultValue: property.default,
    };
    if (Array.isArray(property.enum)) {
      const options = property.enum.filter((option): option is string | number => typeof option === "string" || typeof option === "number");
      if (options.length !== property.enum.length || options.length === 0) return { kind: "json" };
      fields.push({ ...common, kind: "enum", options });
    } else if (typeof property.type === "string" && simpleTypes.has(property.type)) {
      fields.push({ ...common, kind: property.type as "string" | "number" | "integer" | "boolean" });
    } else {
      return { kind: "json" };
    }
  }
  return { kind: "fields", fields };
}

/**
 * The input the fields' values make: empty optional fields are left out, numbers are sent as numbers (text that is
 * not one is sent as it is, for the server to name the field), an enum's option keeps its type.
 */
export function inputFromFields(fields: readonly TaskInputField[], values: Record<string, string | boolean>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.kind === "boolean") {
      input[field.name] = value === true;
      continue;
    }
    const text = typeof value === "string" ? value : "";
    if (text === "" && field.kind !== "string") continue;
    if (text === "" && !field.required) continue;
    if (field.kind === "number" || field.kind === "integer") {
      const number = Number(text);
      input[field.name] = text.trim() !== "" && Number.isFinite(number) ? number : text;
    } else if (field.kind === "enum") {
      input[field.name] = field.options.find((option) => String(option) === text) ?? text;
    } else {
      input[field.name] = text;
    }
  }
  return input;
}

export function initialFieldValues(fields: readonly TaskInputField[]): Record<string, string | boolean> {
  return Object.fromEntries(
    fields.map((field) => [field.name, field.kind === "boolean" ? field.defaultValue === true : field.defaultValue === undefined ? "" : String(field.defaultValue)]),
  );
}
