/**
 * Where an Inngest server calls Granary (Inngest driver only): it syncs the job functions (PUT), looks (GET) and runs
 * attempts (POST), signed with INNGEST_SIGNING_KEY. With the embedded driver nothing is served here.
 */
import type { NextRequest } from "next/server";
import { jobsDriver } from "@/env";
import { getDb } from "@/server/db";
import { createInngestHandler } from "@/server/jobs/inngest";
import { currentJobRuntime, defaultJobDependencies } from "@/server/jobs/runtime";

export const dynamic = "force-dynamic";

let handlers: ReturnType<typeof createInngestHandler> | undefined;

function inngestHandlers() {
  handlers ??= createInngestHandler({
    db: getDb(),
    dependencies: () => defaultJobDependencies(getDb()),
    worker: () => {
      const runtime = currentJobRuntime();
      return { id: runtime?.workerId() ?? null, label: runtime?.workerLabel() ?? "" };
    },
  });
  return handlers;
}

function notConfigured(): Response {
  return Response.json({ message: "Jobs run on the embedded driver here: Inngest is not configured." }, { status: 404 });
}

export async function GET(request: NextRequest, context: unknown): Promise<Response> {
  return jobsDriver() === "inngest" ? inngestHandlers().GET(request, context) : notConfigured();
}

export async function POST(request: NextRequest, context: unknown): Promise<Response> {
  return jobsDriver() === "inngest" ? inngestHandlers().POST(request, context) : notConfigured();
}

export async function PUT(request: NextRequest, context: unknown): Promise<Response> {
  return jobsDriver() === "inngest" ? inngestHandlers().PUT(request, context) : notConfigured();
}
