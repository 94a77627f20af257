// Test helpers for the consensus package: the script world of the core's data-driven tests and
// a small cluster of drivers on an in-process network. Not for production code.

export { ScriptCluster } from "./script-cluster.ts";
export { DriverCluster, ListStateMachine, fastTiming, text, waitFor, type TestMember } from "./driver-cluster.ts";
export { listArg, parseArgs, parseScript, renderScript, type Args, type Block, type Directive } from "./datadriven.ts";
