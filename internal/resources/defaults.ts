// What an agent offers when the operator does not say: Mesos' rules for deriving cpus, mem, disk
// and ports from the machine, as a pure function of the machine's totals. detect.ts measures them.

import { Resources, rangesResource, scalarResource } from "./resources.ts";
import { unreservedRole } from "./types.ts";

const bytesPerMegabyte = 1024 * 1024;
const bytesPerGigabyte = 1024 * bytesPerMegabyte;

/** Memory kept back for the system when the machine has at least memoryReserveThresholdBytes. */
export const memoryReservedBytes = 1 * bytesPerGigabyte;
/** Below this much memory the agent offers half of it instead. */
export const memoryReserveThresholdBytes = 2 * bytesPerGigabyte;
/** Disk kept back for the system when the filesystem has at least diskReserveThresholdBytes. */
export const diskReservedBytes = 5 * bytesPerGigabyte;
/** Below this much disk the agent offers half of it instead. */
export const diskReserveThresholdBytes = 10 * bytesPerGigabyte;
/** Offered when the CPU count cannot be read (some containers report none), as Mesos does. */
export const cpusFallbackCount = 1;
/** The port range Mesos offers by default. */
export const defaultPortsBegin = 31000;
export const defaultPortsEnd = 32000;

/** What the machine has, as measured by detect.ts or given by a test. */
export interface MachineTotals {
  readonly cpuCount: number;
  readonly memoryTotalBytes: number;
  /** Size of the filesystem holding the agent's work directory. */
  readonly diskTotalBytes: number;
}

/** Total minus a reserve when the total is large enough, else half; whole megabytes. */
function offeredMegabytes(totalBytes: number, reservedBytes: number, thresholdBytes: number): number {
  const offeredBytes = totalBytes >= thresholdBytes ? totalBytes - reservedBytes : totalBytes / 2;
  // Mesos keeps the fraction; we round down to whole MB so the offer is never more than exists.
  return Math.floor(offeredBytes / bytesPerMegabyte);
}

/** cpus, mem (MB), disk (MB) and ports:[31000-32000] for a machine, under `role`. */
export function defaultResourcesFor(machine: MachineTotals, role: string = unreservedRole): Resources {
  const cpus = machine.cpuCount > 0 ? machine.cpuCount : cpusFallbackCount;
  const memMegabytes = offeredMegabytes(machine.memoryTotalBytes, memoryReservedBytes, memoryReserveThresholdBytes);
  const diskMegabytes = offeredMegabytes(machine.diskTotalBytes, diskReservedBytes, diskReserveThresholdBytes);
  return Resources.fromList([
    scalarResource("cpus", cpus, role),
    scalarResource("mem", memMegabytes, role),
    scalarResource("disk", diskMegabytes, role),
    rangesResource("ports", [{ begin: defaultPortsBegin, end: defaultPortsEnd }], role),
  ]);
}

/**
 * Explicit resources with detected ones filling the gaps, name by name, as the Mesos agent does:
 * `--resources=cpus:2` keeps the detected mem, disk and ports, while any explicit `cpus` (whatever
 * its role) replaces all detected cpus.
 */
export function withDefaults(parsed: Resources, detected: Resources): Resources {
  const givenNames = new Set(parsed.names());
  return parsed.plus(detected.filter((resource) => !givenNames.has(resource.name)));
}
