export { FileRegistry, RegistryCorruptError, registryCompactOpsMax } from "./file-registry.ts";
export { applyRegistryOp, emptyRegistryState, machineKey } from "./state-machine.ts";
export type { AgentRecord, FrameworkRecord, MachineMode, MaintenanceWindow, Registry, RegistryOp, RegistryState } from "./types.ts";
