export { Flags } from "./flags.ts";
export { parseCommandLine, type ParseOutcome } from "./parse.ts";
export { flagTable } from "./tables.ts";
export { flagReferenceMarkdown, formatDefault, generalHelp, modeHelp, modeSummaries } from "./help.ts";
export { redactUserInfo } from "./addresses.ts";
export { formatBytes, formatDurationMs, parseBytes, parseDurationMs } from "./units.ts";
export { FlagError, modes, type EffectiveFlag, type FlagDef, type FlagValue, type Mode } from "./types.ts";
export { parseWeights } from "./weights.ts";
