// Data-driven scenarios for the Raft core, in the spirit of etcd raft's interaction tests. Each
// file under testdata/*.txt is one scenario run top to bottom against a ScriptCluster. Set
// RAFT_REWRITE=1 to rewrite the expected outputs from what the code does now, then read the diff:
// the files are the specification.
//
// Commands (node ids are words; `N...` means one or more):
//   bootstrap N... [election=10] [heartbeat=1] [prevote=true] [checkquorum=true] [per-append=N]
//                                   founding voters, each with the same bootstrap entry 1
//   add-node N [options as above]   an empty member-to-be (it learns everything from a leader)
//   campaign N                      as if N's election timeout had elapsed
//   tick N [count=1] / tick-election N... / tick-heartbeat N...
//   propose N DATA                  prints a refusal, nothing on success
//   conf-change N TYPE NODE         TYPE: addLearner | promote | addVoter | remove
//   transfer N to=M                 leadership transfer
//   compact N INDEX                 the application snapshots at INDEX (data `snap@INDEX`)
//   process-ready [N...]            persist, queue messages, apply, advance; prints each Ready
//                                   (`> N: ...`) and the messages it sends
//   deliver-msgs [N...] [drop=(M...)]
//                                   steps the queued messages to N (all when none), dropping
//                                   those to M; prints each delivered or dropped message
//   stabilize                       process-ready and deliver until nothing moves (prints Readys,
//                                   messages when sent, and drops)
//   partition A B | C ...  / heal   messages across groups are dropped on delivery
//   crash N / restart N             crash loses unsynced writes; restart reloads from storage
//   status [N...] / progress N / log N / applied N
//
// A command that throws prints `error: MESSAGE`.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listArg, parseArgs, parseScript, renderScript, type Args, type Directive } from "./testing/datadriven.ts";
import { ScriptCluster } from "./testing/script-cluster.ts";

const testdataDir = join(import.meta.dir, "testdata");
const rewrite = process.env.RAFT_REWRITE === "1";

function nodesOr(cluster: ScriptCluster, args: Args, from = 0): string[] {
  const ids = args.positional.slice(from);
  return ids.length > 0 ? [...ids] : cluster.ids();
}

function first(args: Args, what = "node"): string {
  const id = args.positional[0];
  if (id === undefined) throw new Error(`missing ${what}`);
  return id;
}

function run(cluster: ScriptCluster, command: string, rest: string): string[] {
  const args = parseArgs(rest);
  switch (command) {
    case "bootstrap":
      return cluster.bootstrap(args.positional, args);
    case "add-node":
      return cluster.addNode(first(args), args);
    case "campaign":
      cluster.campaign(first(args));
      return [];
    case "tick":
      cluster.tick(first(args), Number(args.named.get("count") ?? "1"));
      return [];
    case "tick-election":
      for (const id of args.positional) cluster.tick(id, cluster.electionTicks(id));
      return [];
    case "tick-heartbeat":
      for (const id of args.positional) cluster.tick(id, cluster.heartbeatTicks(id));
      return [];
    case "propose":
      return cluster.propose(first(args), args.positional.slice(1).join(" "));
    case "conf-change":
      return cluster.confChange(first(args), ScriptCluster.parseChange(args.positional.slice(1)));
    case "transfer":
      return cluster.transfer(first(args), args.named.get("to") ?? "");
    case "compact":
      return cluster.compact(first(args), Number(args.positional[1]));
    case "process-ready":
      return cluster.processReady(nodesOr(cluster, args));
    case "deliver-msgs":
      return cluster.deliver(args.positional, listArg(args.named.get("drop")), false);
    case "stabilize":
      return cluster.stabilize();
    case "partition":
      cluster.partition(ScriptCluster.groupsOf(rest));
      return [];
    case "heal":
      cluster.heal();
      return [];
    case "crash":
      cluster.crash(first(args));
      return [];
    case "restart":
      cluster.restart(first(args));
      return [];
    case "status":
      return cluster.status(nodesOr(cluster, args));
    case "progress":
      return cluster.progress(first(args));
    case "log":
      return cluster.logOf(first(args));
    case "applied":
      return cluster.appliedOf(first(args));
    default:
      throw new Error(`unknown command ${command}`);
  }
}

function runFile(path: string): { actual: string; failures: string[] } {
  const text = readFileSync(path, "utf8");
  const blocks = parseScript(text);
  const cluster = new ScriptCluster();
  const outputs = new Map<Directive, string[]>();
  const failures: string[] = [];
  for (const block of blocks) {
    if (block.kind !== "directive") continue;
    const trimmed = block.line.trim();
    const space = trimmed.indexOf(" ");
    const command = space === -1 ? trimmed : trimmed.slice(0, space);
    const rest = space === -1 ? "" : trimmed.slice(space + 1);
    let output: string[];
    try {
      output = run(cluster, command, rest);
    } catch (error) {
      output = [`error: ${(error as Error).message}`];
    }
    outputs.set(block, output);
    const expected = block.expected ?? [];
    if (output.join("\n") !== expected.join("\n")) {
      failures.push(`line ${block.lineNo}: ${block.line}\n--- expected\n${expected.join("\n")}\n--- actual\n${output.join("\n")}`);
    }
  }
  return { actual: renderScript(blocks, outputs), failures };
}

describe("raft core scripts", () => {
  const files = readdirSync(testdataDir).filter((f) => f.endsWith(".txt")).sort();
  for (const file of files) {
    test(file, () => {
      const path = join(testdataDir, file);
      const { actual, failures } = runFile(path);
      if (rewrite) {
        writeFileSync(path, actual);
        return;
      }
      expect(failures.join("\n\n")).toBe("");
    });
  }
});
