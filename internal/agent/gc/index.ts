// Sandbox garbage collection (Mesos --gc_delay / --gc_disk_headroom).

export { SandboxGc, diskUsageFraction, gcEntriesMax, gcRemovalsPerPruneMax, type GcLogger, type PruneResult, type SandboxGcOptions } from "./gc.ts";
export { dueEntries, gcDelayMsDefault, gcDiskHeadroomDefault, gcMaxAgeMs, type GcEntry } from "./gc-core.ts";
