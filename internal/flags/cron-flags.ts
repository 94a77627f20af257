import { masterAddressFlag, workDirFlag } from "./shared-flags.ts";
import type { FlagDef } from "./types.ts";

export function cronFlags(): FlagDef[] {
  return [workDirFlag(true, "Directory for jobs, run history and framework state."), masterAddressFlag];
}
