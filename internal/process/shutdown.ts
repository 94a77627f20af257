import type { Service } from "./context.ts";

/** The issue asks for a clean stop within 5 s of SIGTERM; leave room for log and telemetry flush. */
export const serviceStopTimeoutMs = 3000;

/** Runs fn, but gives up waiting after timeoutMs; returns whether it finished in time. */
export async function withTimeout(fn: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([fn().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops services in reverse start order; each gets its share of the deadline. */
export async function stopServices(services: readonly Service[], onSlow: (name: string) => void): Promise<void> {
  for (const service of [...services].reverse()) {
    const done = await withTimeout(() => service.stop(), serviceStopTimeoutMs / Math.max(1, services.length));
    if (!done) onSlow(service.name);
  }
}

/**
 * Calls onSignal once on the first SIGTERM or SIGINT; a second signal exits at once, for the
 * operator who really means it.
 */
export function onStopSignal(onSignal: (signal: string) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping = true;
    onSignal(signal);
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
