import { z } from "zod";
import { pageSchema } from "./account";

export const exceptionGroupStatuses = ["open", "resolved"] as const;

export const listExceptionGroupsSchema = pageSchema.extend({ status: z.enum(exceptionGroupStatuses).default("open") });

/** A group's fingerprint: 32 hexadecimal digits (services/exceptions.ts fingerprintOf). */
export const exceptionGroupRefSchema = z.object({ fingerprint: z.string().regex(/^[0-9a-f]{32}$/, "Not an exception group's fingerprint.") });

export const setExceptionGroupResolvedSchema = exceptionGroupRefSchema.extend({ resolved: z.boolean() });
