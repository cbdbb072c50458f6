import { describe, expect, it } from "vitest";
import { academicDomainsFormSchema, gigabytesOf, planFormSchema, updatePlanSchema } from "./plans";

const plan = { slug: "personal", name: "Personal", description: "", priceLabel: "", selfService: false };

describe("the admin's plan form", () => {
  it("reads empty limits as no limit and storage in gigabytes, into what the procedure takes", () => {
    const values = planFormSchema.parse({ ...plan, maxPrivatePackages: " 25 ", maxStorageGigabytes: "0.5" });
    expect(values).toEqual({ ...plan, maxPrivatePackages: 25, maxStorageBytes: 512 * 1024 * 1024 });
    expect(updatePlanSchema.parse(values)).toEqual(values);
    expect(planFormSchema.parse({ ...plan, maxPrivatePackages: "", maxStorageGigabytes: "" })).toMatchObject({ maxPrivatePackages: null, maxStorageBytes: null });
  });

  it("shows a limit in bytes as the gigabytes it was typed in", () => {
    expect(gigabytesOf(10 * 1024 ** 3)).toBe("10");
    expect(gigabytesOf(512 * 1024 ** 2)).toBe("0.5");
    expect(gigabytesOf(null)).toBe("");
    expect(planFormSchema.parse({ ...plan, maxPrivatePackages: "", maxStorageGigabytes: gigabytesOf(53_687_091_200) }).maxStorageBytes).toBe(53_687_091_200);
  });

  it.each([
    ["maxPrivatePackages", "-1", "Enter a whole number, or leave it empty for no limit."],
    ["maxPrivatePackages", "2.5", "Enter a whole number, or leave it empty for no limit."],
    ["maxStorageGigabytes", "lots", "Enter a number of gigabytes such as 10 or 0.5, or leave it empty for no limit."],
    ["maxStorageGigabytes", "1e3", "Enter a number of gigabytes such as 10 or 0.5, or leave it empty for no limit."],
    ["name", " ", "Enter a name."],
  ])("refuses %s %j on its field", (field, value, message) => {
    const result = planFormSchema.safeParse({ ...plan, maxPrivatePackages: "", maxStorageGigabytes: "", [field]: value });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: [field], message });
  });
});

describe("the academic domains form", () => {
  it("takes domains a line (or spaces and commas) apart, lower-cased, leading dots dropped", () => {
    expect(academicDomainsFormSchema.parse({ domains: "EDU\n.ac.uk,  example.org\n\n" })).toEqual({ domains: ["edu", "ac.uk", "example.org"] });
    expect(academicDomainsFormSchema.parse({ domains: "" })).toEqual({ domains: [] });
  });

  it("names the entry that is no domain, on the field", () => {
    const result = academicDomainsFormSchema.safeParse({ domains: "edu\nexa_mple.org" });
    expect(result.error?.issues[0]).toMatchObject({ path: ["domains"], message: "exa_mple.org is not a domain. Enter domains such as edu or ac.uk." });
  });
});
