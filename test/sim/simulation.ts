// Deterministic simulation of a Raft cluster: several RaftDrivers (the real driver around the
// real core) in one thread on a virtual clock, a seeded network that drops, duplicates, delays and
// partitions, crashes that lose unsynced writes, clients writing registry-like entries, and
// membership changes. Invariants are checked after every event; at the end the faults stop and
// the cluster must converge. Everything random comes from the seed, so a seed replays exactly.

import { ManualClock, SeededRandom, type Random } from "../../internal/runtime/index.ts";
import {
  MemoryStorage,
  NotLeaderError,
  RaftDriver,
  type AppliedEntry,
  type NodeId,
  type RaftEvent,
  type StateMachine,
} from "../../internal/consensus/index.ts";
import { EventQueue } from "./event-queue.ts";
import { entryKey, InvariantViolation, Invariants, payloadOf } from "./invariants.ts";
import { encodeWrite, KvStateMachine, type KvWrite } from "./kv-state-machine.ts";
import { calmNetwork, SimNetwork, type NetworkFaults } from "./sim-network.ts";

export type Scenario = "steady" | "grow" | "shrink" | "replace" | "churn";
export const scenarios: readonly Scenario[] = ["steady", "grow", "shrink", "replace", "churn"];

export class LivenessFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LivenessFailure";
  }
}

export interface SimOptions {
  readonly seed: number;
  readonly scenario?: Scenario;
  /** Virtual time with faults; then the faults stop and the cluster gets `settleMs` to converge. */
  readonly faultPhaseMs?: number;
  readonly settleMs?: number;
  readonly trace?: (line: string) => void;
}

export interface SimStats {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly events: number;
  readonly messagesSent: number;
  readonly messagesDropped: number;
  readonly writesAcked: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly leaderChanges: number;
  readonly snapshotsInstalled: number;
  readonly finalCommit: number;
  readonly maxTerm: number;
  readonly virtualMs: number;
}

const tickMs = 10;
const keysMax = 16;

interface SimNode {
  readonly id: NodeId;
  readonly storage: MemoryStorage;
  readonly random: Random;
  readonly founder: boolean;
  driver: RaftDriver | null;
  sm: KvStateMachine | null;
  checkedCommit: number;
}

type MembershipStep =
  | { readonly kind: "add"; readonly node: NodeId }
  | { readonly kind: "remove"; readonly node: NodeId }
  | { readonly kind: "replace"; readonly old: NodeId; readonly node: NodeId };

interface Plan {
  readonly ids: NodeId[];
  readonly founders: NodeId[];
  readonly steps: MembershipStep[];
}

export class Simulation {
  private readonly random: Random;
  private readonly clock = new ManualClock(0);
  private readonly queue = new EventQueue();
  private readonly network: SimNetwork;
  private readonly invariants = new Invariants();
  private readonly nodes = new Map<NodeId, SimNode>();
  private microtasks: Array<() => void> = [];
  private readonly scenario: Scenario;
  private readonly plan: Plan;
  private readonly electionTicks: number;
  private readonly preVote: boolean;
  private readonly eagerMembership: boolean;
  private readonly checkQuorum: boolean;
  private readonly heartbeatTicks: number;
  private readonly snapshotEntriesMax: number;
  private readonly entriesPerAppendMax: number;
  private faulting = true;
  private events = 0;
  private writeSeq = 0;
  private leaderHint: NodeId | null = null;
  private stepIndex = 0;
  private stepRunner: NodeId | null = null;
  private finalWrite: { id: string; index: number | null; pendingOn: NodeId | null } | null = null;
  private crashes = 0;
  private partitions = 0;
  private leaderChanges = 0;
  private snapshotsInstalled = 0;

  constructor(private readonly options: SimOptions) {
    this.random = new SeededRandom(options.seed);
    this.scenario = options.scenario ?? scenarios[this.random.nextInt(scenarios.length)]!;
    this.plan = planFor(this.scenario, this.random);
    this.electionTicks = 6 + this.random.nextInt(10);
    this.heartbeatTicks = 1 + this.random.nextInt(Math.floor((this.electionTicks - 1) / 2));
    // Mostly the production settings; now and then without pre-vote or check-quorum (safety
    // must not depend on them, only availability does).
    this.preVote = this.random.nextInt(8) !== 0;
    this.checkQuorum = this.random.nextInt(8) !== 0;
    this.eagerMembership = this.random.nextInt(3) === 0;
    this.snapshotEntriesMax = [5, 20, 100, 100_000][this.random.nextInt(4)]!;
    // Small appends split a leader's suffix, so acks can cover old-term entries without its no-op.
    this.entriesPerAppendMax = [1, 2, 8, 256][this.random.nextInt(4)]!;
    this.network = new SimNetwork(this.random, this.queue, () => this.clock.nowMs(), (m) => this.nodes.get(m.to)?.driver?.deliver(m));
    for (const id of this.plan.ids) {
      const node: SimNode = {
        id,
        storage: new MemoryStorage(),
        random: new SeededRandom(this.random.nextInt(2 ** 31)),
        founder: this.plan.founders.includes(id),
        driver: null,
        sm: null,
        checkedCommit: 0,
      };
      this.nodes.set(id, node);
      this.startNode(node);
    }
  }

  private trace(line: string): void {
    this.options.trace?.(`${String(this.clock.nowMs()).padStart(6)} ${line}`);
  }

  // ---- nodes --------------------------------------------------------------------------------

  private startNode(n: SimNode): void {
    const sm = new KvStateMachine();
    n.sm = sm;
    n.checkedCommit = 0;
    n.driver = new RaftDriver({
      id: n.id,
      storage: n.storage,
      transport: { send: (m) => this.network.send(m), onMessage: () => {} },
      stateMachine: this.checkedStateMachine(n, sm),
      clock: this.clock,
      random: n.random,
      electionTicks: this.electionTicks,
      heartbeatTicks: this.heartbeatTicks,
      preVote: this.preVote,
      checkQuorum: this.checkQuorum,
      snapshotEntriesMax: this.snapshotEntriesMax,
      entriesPerAppendMax: this.entriesPerAppendMax,
      proposalTimeoutMs: 1000,
      ...(n.founder ? { bootstrapVoters: this.plan.founders } : {}),
      schedule: (fn) => this.microtasks.push(fn),
      onEvent: (e) => this.onDriverEvent(n, e),
    });
  }

  /** The node's state machine, with the invariant checks around each apply and restore. */
  private checkedStateMachine(n: SimNode, sm: KvStateMachine): StateMachine {
    return {
      apply: (entry: AppliedEntry) => {
        this.invariants.committedEntry(n.id, entry.index, `${entry.term}|normal|${payloadOf(entry.data)}`);
        sm.apply(entry);
        this.invariants.appliedState(n.id, entry.index, sm.digest());
      },
      snapshot: () => sm.snapshot(),
      restore: (data, index) => {
        sm.restore(data, index);
        this.invariants.restoredState(n.id, sm.lastWriteIndex, sm.digest());
      },
    };
  }

  private onDriverEvent(n: SimNode, e: RaftEvent): void {
    if (e.type === "leaderChanged" && e.leader === n.id) {
      this.leaderChanges += 1;
      this.trace(`${n.id} leads term ${e.term}`);
    } else if (e.type === "snapshotInstalled") {
      this.snapshotsInstalled += 1;
      this.trace(`${n.id} installed snapshot ${e.index}`);
    } else if (e.type === "membershipApplied" && this.options.trace !== undefined) {
      this.trace(`${n.id} applied ${JSON.stringify(e.change)} at ${e.index}`);
    } else if (e.type === "roleChanged" && this.options.trace !== undefined) {
      this.trace(`${n.id} ${e.role} t${e.term}`);
    } else if (e.type === "fatal") {
      throw e.error;
    }
  }

  private crash(n: SimNode): void {
    if (n.driver === null) return;
    this.crashes += 1;
    n.storage.crash();
    n.driver = null;
    n.sm = null;
    if (this.stepRunner === n.id) this.stepRunner = null;
    if (this.finalWrite?.pendingOn === n.id) this.finalWrite.pendingOn = null;
    this.trace(`${n.id} crashed`);
  }

  private restart(n: SimNode): void {
    if (n.driver !== null) return;
    this.startNode(n);
    this.trace(`${n.id} restarted`);
  }

  private live(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.driver !== null);
  }

  /**
   * The leader of the newest term, provided no live member of its configuration knows a newer
   * one (a stale leader, say a removed member that never heard, does not count).
   */
  private leaderNode(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.live()) {
      if (n.driver!.isLeader() && (best === undefined || n.driver!.term() > best.driver!.term())) best = n;
    }
    if (best === undefined) return undefined;
    const term = best.driver!.term();
    const conf = best.driver!.conf();
    for (const id of [...conf.voters, ...conf.learners]) {
      if ((this.nodes.get(id)?.driver?.term() ?? 0) > term) return undefined;
    }
    return best;
  }

  // ---- the loop -----------------------------------------------------------------------------

  run(): SimStats {
    const faultPhaseMs = this.options.faultPhaseMs ?? 3000;
    const settleMs = this.options.settleMs ?? 4000;
    // Each node's clock runs a little fast or slow: ticks of 8 to 12 ms.
    for (const n of this.nodes.values()) {
      this.every(this.random.nextInt(tickMs), tickMs - 2 + this.random.nextInt(5), () => n.driver?.tick());
    }
    this.every(5, 5 + this.random.nextInt(15), () => this.clientWrite());
    this.every(100 + this.random.nextInt(500), 50, () => this.advanceMembership());
    this.scheduleFault();
    this.queue.push(faultPhaseMs, () => this.calm());
    const endMs = faultPhaseMs + settleMs;
    let converged = false;
    this.every(faultPhaseMs + 50, 50, () => {
      converged ||= this.converged();
    });
    while (!converged && this.queue.size > 0 && (this.queue.peekTimeMs() ?? Infinity) <= endMs) {
      const event = this.queue.pop()!;
      this.clock.set(event.atMs);
      event.run();
      this.drainMicrotasks();
      this.checkInvariants();
      this.events += 1;
    }
    // Lost writes are the worse failure: report them first.
    this.invariants.checkAcked();
    if (!converged) throw new LivenessFailure(`no convergence ${settleMs} ms after the faults stopped: ${this.describe()}`);
    return this.stats();
  }

  private every(firstMs: number, intervalMs: number, fn: () => void): void {
    const run = (): void => {
      fn();
      this.queue.push(this.clock.nowMs() + intervalMs, run);
    };
    this.queue.push(firstMs, run);
  }

  private drainMicrotasks(): void {
    for (let i = 0; i < this.microtasks.length; i++) this.microtasks[i]!();
    this.microtasks = [];
  }

  private checkInvariants(): void {
    for (const n of this.nodes.values()) {
      const core = n.driver?.core();
      if (core === undefined) continue;
      const soft = core.softState();
      if (soft.role === "leader") this.invariants.leaderAt(soft.term, n.id);
      const log = core.log;
      if (log.committed <= n.checkedCommit) continue;
      for (let i = Math.max(n.checkedCommit, log.snapshot().index) + 1; i <= log.committed; i++) {
        this.invariants.committedEntry(n.id, i, entryKey(log.entryAt(i)!));
      }
      n.checkedCommit = log.committed;
    }
  }

  // ---- clients ------------------------------------------------------------------------------

  private clientWrite(): void {
    if (!this.faulting) return;
    const live = this.live();
    if (live.length === 0) return;
    const hinted = this.leaderHint === null ? undefined : this.nodes.get(this.leaderHint);
    const target = hinted?.driver != null ? hinted : live[this.random.nextInt(live.length)]!;
    const seq = ++this.writeSeq;
    const write: KvWrite = {
      id: `w${seq}`,
      key: `k${this.random.nextInt(keysMax)}`,
      value: this.random.nextInt(10) === 0 ? null : `v${seq}`,
    };
    target.driver!.proposeWith(
      encodeWrite(write),
      (c) => this.acked(write.id, c.index),
      (error) => {
        this.leaderHint = error instanceof NotLeaderError ? error.leader : null;
      },
    );
  }

  private acked(id: string, index: number): void {
    this.invariants.ack(id, index);
    const key = this.invariants.committedKey(index);
    if (key === undefined || !key.includes(`"id":"${id}"`)) {
      throw new InvariantViolation(`write ${id} acknowledged at ${index} but ${key ?? "nothing"} is committed there`);
    }
  }

  // ---- membership ---------------------------------------------------------------------------

  private advanceMembership(): void {
    const step = this.plan.steps[this.stepIndex];
    if (step === undefined) return;
    if (this.eagerMembership) {
      // Overlapping requests: retries on top of requests still in flight, and the next step early.
      this.runStep(step);
      const next = this.plan.steps[this.stepIndex + 1];
      if (next !== undefined && this.random.nextInt(2) === 0) this.runStep(next);
    } else if (this.stepRunner === null) {
      this.runStep(step);
    }
  }

  private runStep(step: MembershipStep): void {
    const leader = this.leaderNode();
    if (leader === undefined) return;
    this.stepRunner = leader.id;
    const done = (error: Error | null): void => {
      if (this.stepRunner === leader.id) this.stepRunner = null;
      this.trace(`membership ${JSON.stringify(step)} on ${leader.id}: ${error === null ? "done" : error.message}`);
      if (error === null && this.plan.steps[this.stepIndex] === step) this.stepIndex += 1;
    };
    const driver = leader.driver!;
    this.trace(`membership ${JSON.stringify(step)} starts on ${leader.id}`);
    if (step.kind === "add") driver.addServerWith(step.node, 2000, done);
    else if (step.kind === "remove") driver.removeServerWith(step.node, done);
    else driver.replaceServerWith(step.old, step.node, 2000, done);
  }

  // ---- faults -------------------------------------------------------------------------------

  private scheduleFault(): void {
    const delayMs = 30 + this.random.nextInt(300);
    this.queue.push(this.clock.nowMs() + delayMs, () => {
      if (!this.faulting) return;
      this.injectFault();
      this.scheduleFault();
    });
  }

  private injectFault(): void {
    const all = [...this.nodes.values()];
    const roll = this.random.nextInt(100);
    if (roll < 30) {
      const victim = all[this.random.nextInt(all.length)]!;
      this.crash(victim);
      this.queue.push(this.clock.nowMs() + 10 + this.random.nextInt(600), () => this.restart(victim));
    } else if (roll < 33) {
      for (const n of all) this.crash(n);
      this.queue.push(this.clock.nowMs() + 10 + this.random.nextInt(300), () => all.forEach((n) => this.restart(n)));
    } else if (roll < 60) {
      this.partitionRandomly(all);
    } else if (roll < 70) {
      const leader = this.leaderNode();
      if (leader !== undefined) this.isolate(leader.id, all);
    } else if (roll < 75) {
      this.transferRandomly();
    } else if (roll < 85) {
      this.network.faults = randomNetworkFaults(this.random);
      this.trace(`network ${JSON.stringify(this.network.faults)}`);
    } else {
      this.network.heal();
      this.trace("healed");
    }
  }

  private transferRandomly(): void {
    const leader = this.leaderNode();
    if (leader === undefined) return;
    const voters = leader.driver!.conf().voters.filter((id) => id !== leader.id);
    const to = voters[this.random.nextInt(Math.max(1, voters.length))];
    if (to === undefined) return;
    const started = leader.driver!.transferLeadership(to);
    this.trace(`transfer ${leader.id} -> ${to}: ${started ? "started" : "refused"}`);
  }

  private partitionRandomly(all: SimNode[]): void {
    const side = all.filter(() => this.random.nextInt(2) === 0).map((n) => n.id);
    const other = all.map((n) => n.id).filter((id) => !side.includes(id));
    this.network.partition([side, other]);
    this.partitions += 1;
    this.trace(`partition ${side.join(",")} | ${other.join(",")}`);
  }

  private isolate(id: NodeId, all: SimNode[]): void {
    this.network.partition([[id], all.map((n) => n.id).filter((other) => other !== id)]);
    this.partitions += 1;
    this.trace(`isolate ${id}`);
  }

  /** The faults stop: the network heals and calms down, every node is (re)started. */
  private calm(): void {
    this.faulting = false;
    this.network.heal();
    this.network.faults = calmNetwork;
    for (const n of this.nodes.values()) this.restart(n);
    this.trace("calm");
  }

  // ---- convergence --------------------------------------------------------------------------

  /** After the faults: membership done, a final write acknowledged and applied by every member. */
  private converged(): boolean {
    if (this.stepIndex < this.plan.steps.length) return false;
    const leader = this.leaderNode();
    if (leader === undefined) return false;
    if (!this.finalWriteDone(leader)) return false;
    const conf = leader.driver!.conf();
    const members = [...conf.voters, ...conf.learners];
    const target = leader.driver!.core().log.committed;
    const digests = new Set<number>();
    for (const id of members) {
      const n = this.nodes.get(id);
      const core = n?.driver?.core();
      if (core === undefined || core.log.applied !== target) return false;
      digests.add(n!.sm!.digest());
    }
    if (digests.size !== 1) throw new InvariantViolation(`members applied ${target} with different states: ${this.describe()}`);
    return true;
  }

  private finalWriteDone(leader: SimNode): boolean {
    if (this.finalWrite?.index != null) return true;
    if (this.finalWrite !== null && this.finalWrite.pendingOn !== null) return false;
    const write: KvWrite = { id: `final${++this.writeSeq}`, key: "final", value: "done" };
    this.finalWrite = { id: write.id, index: null, pendingOn: leader.id };
    const final = this.finalWrite;
    leader.driver!.proposeWith(
      encodeWrite(write),
      (c) => {
        this.acked(write.id, c.index);
        final.index = c.index;
      },
      () => {
        final.pendingOn = null;
      },
    );
    return false;
  }

  private describe(): string {
    const parts = [...this.nodes.values()].map((n) => {
      const s = n.driver?.status();
      if (s === undefined) return `${n.id}:down`;
      return `${n.id}:${s.role}/t${s.term}/c${s.commit}/a${s.applied}/[${s.conf.voters.join(",")}|${s.conf.learners.join(",")}]`;
    });
    const settings = `election=${this.electionTicks} heartbeat=${this.heartbeatTicks} preVote=${this.preVote} checkQuorum=${this.checkQuorum}`;
    return `${this.scenario} (${settings}) step ${this.stepIndex}/${this.plan.steps.length}, final write ${JSON.stringify(this.finalWrite)}; ${parts.join(" ")}`;
  }

  private stats(): SimStats {
    let maxTerm = 0;
    for (const n of this.nodes.values()) maxTerm = Math.max(maxTerm, n.driver?.term() ?? 0);
    return {
      seed: this.options.seed,
      scenario: this.scenario,
      events: this.events,
      messagesSent: this.network.sent,
      messagesDropped: this.network.dropped,
      writesAcked: this.invariants.ackCount(),
      crashes: this.crashes,
      partitions: this.partitions,
      leaderChanges: this.leaderChanges,
      snapshotsInstalled: this.snapshotsInstalled,
      finalCommit: this.invariants.maxCommitted,
      maxTerm,
      virtualMs: this.clock.nowMs(),
    };
  }
}

function planFor(scenario: Scenario, random: Random): Plan {
  switch (scenario) {
    case "steady": {
      const five = random.nextInt(3) === 0;
      const ids = five ? ["1", "2", "3", "4", "5"] : ["1", "2", "3"];
      return { ids, founders: ids, steps: [] };
    }
    case "grow":
      return { ids: ["1", "2", "3", "4", "5"], founders: ["1", "2", "3"], steps: [{ kind: "add", node: "4" }, { kind: "add", node: "5" }] };
    case "shrink": {
      const ids = ["1", "2", "3", "4", "5"];
      const first = ids[random.nextInt(5)]!;
      const rest = ids.filter((id) => id !== first);
      const second = rest[random.nextInt(4)]!;
      return { ids, founders: ids, steps: [{ kind: "remove", node: first }, { kind: "remove", node: second }] };
    }
    case "replace": {
      const old = String(1 + random.nextInt(3));
      return { ids: ["1", "2", "3", "4"], founders: ["1", "2", "3"], steps: [{ kind: "replace", old, node: "4" }] };
    }
    case "churn": {
      // Grow and shrink in turns, and bring a removed member back with its old log and term.
      const first = String(1 + random.nextInt(3));
      const second = ["1", "2", "3"].filter((id) => id !== first)[random.nextInt(2)]!;
      const steps: MembershipStep[] = [
        { kind: "add", node: "4" },
        { kind: "remove", node: first },
        { kind: "add", node: "5" },
        { kind: "remove", node: second },
        { kind: "add", node: first },
      ];
      return { ids: ["1", "2", "3", "4", "5"], founders: ["1", "2", "3"], steps };
    }
  }
}

function randomNetworkFaults(random: Random): NetworkFaults {
  const delayMaxMs = [2, 5, 15, 40][random.nextInt(4)]!;
  return {
    dropRate: [0, 0.01, 0.05, 0.2][random.nextInt(4)]!,
    duplicateRate: [0, 0.02, 0.1][random.nextInt(3)]!,
    delayMinMs: 1,
    delayMaxMs,
    lateRate: [0, 0, 0.01, 0.05][random.nextInt(4)]!,
    lateDelayMaxMs: [100, 500, 1500][random.nextInt(3)]!,
  };
}

export function runSimulation(options: SimOptions): SimStats {
  return new Simulation(options).run();
}
