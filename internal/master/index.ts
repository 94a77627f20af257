export { masterConfigFromFlags, type MasterConfig } from "./config.ts";
export { Master, type MasterDeps } from "./master.ts";
export { startMaster, type StartedMaster } from "./start.ts";
