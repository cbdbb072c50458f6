import { describe, expect, it } from "vitest";
import { initialFieldValues, inputFromFields, taskInputForm } from "./task-input-form";

const schema = {
  type: "object",
  properties: {
    n: { type: "integer", title: "How many" },
    label: { type: "string", default: "none" },
    ratio: { type: "number" },
    mode: { enum: ["fast", "slow"] },
    loud: { type: "boolean" },
  },
  required: ["n"],
};

describe("the run form built from a task's JSON Schema", () => {
  it("makes one field per property of a common type, with the required ones marked", () => {
    const form = taskInputForm(schema);
    expect(form.kind).toBe("fields");
    if (form.kind !== "fields") return;
    expect(form.fields.map((field) => `${field.name}:${field.kind}:${field.required ? "required" : "optional"}:${field.label}`)).toEqual([
      "n:integer:required:How many",
      "label:string:optional:label",
      "ratio:number:optional:ratio",
      "mode:enum:optional:mode",
      "loud:boolean:optional:loud",
    ]);
    expect(initialFieldValues(form.fields)).toEqual({ n: "", label: "none", ratio: "", mode: "", loud: false });
    expect(inputFromFields(form.fields, { n: "3", label: "x", ratio: "", mode: "slow", loud: true })).toEqual({ n: 3, label: "x", mode: "slow", loud: true });
    // Text that is not a number goes as it is: the server names the field.
    expect(inputFromFields(form.fields, { n: "three", label: "", ratio: "", mode: "", loud: false })).toEqual({ n: "three", loud: false });
  });

  it("falls back to a JSON field for anything else", () => {
    expect(taskInputForm(null)).toEqual({ kind: "json" });
    expect(taskInputForm({ type: "array" })).toEqual({ kind: "json" });
    expect(taskInputForm({ type: "object", properties: { items: { type: "array" } } })).toEqual({ kind: "json" });
    expect(taskInputForm({ type: "object", properties: { when: { enum: [null, "x"] } } })).toEqual({ kind: "json" });
  });
});
