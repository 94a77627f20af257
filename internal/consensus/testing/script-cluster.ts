// The world a core script runs in: RaftNodes on in-memory storage that loses unsynced writes,
// a message queue the script delivers by hand, and partitions. Randomness is pinned to zero so an
// election timeout is exactly `electionTicks` ticks and scripts read as plain arithmetic.

import type { Random } from "../../runtime/index.ts";
import { formatConf } from "../membership.ts";
import { formatEntries, formatEntry, formatMessage, formatReady } from "../format.ts";
import { raftConfigDefaults, type RaftConfig } from "../limits.ts";
import { bootstrapStoredState, emptyStoredState, RaftNode } from "../raft-node.ts";
import { MemoryStorage } from "../storage/memory-storage.ts";
import type { ConfChange, Entry, Message, NodeId, StoredState } from "../types.ts";
import { listArg, type Args } from "./datadriven.ts";

const zeroRandom: Random = { next: () => 0, nextInt: () => 0 };
const encoder = new TextEncoder();

interface ScriptNode {
  node: RaftNode | null;
  readonly storage: MemoryStorage;
  readonly config: RaftConfig;
  /** Entries applied since the last (re)start, and the snapshot restored, if any. */
  applied: Entry[];
  restoredIndex: number;
}

export class ScriptCluster {
  private readonly nodes = new Map<NodeId, ScriptNode>();
  private queue: Message[] = [];
  private groups: NodeId[][] | null = null;

  bootstrap(ids: readonly NodeId[], args: Args): string[] {
    for (const id of ids) this.create(id, bootstrapStoredState(ids), args);
    return [];
  }

  addNode(id: NodeId, args: Args): string[] {
    this.create(id, emptyStoredState, args);
    return [];
  }

  private create(id: NodeId, stored: StoredState, args: Args): void {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    const config: RaftConfig = {
      id,
      electionTicks: Number(args.named.get("election") ?? raftConfigDefaults.electionTicks),
      heartbeatTicks: Number(args.named.get("heartbeat") ?? raftConfigDefaults.heartbeatTicks),
      preVote: (args.named.get("prevote") ?? "true") === "true",
      checkQuorum: (args.named.get("checkquorum") ?? "true") === "true",
      ...(args.named.has("per-append") ? { entriesPerAppendMax: Number(args.named.get("per-append")) } : {}),
    };
    const storage = new MemoryStorage(stored);
    this.nodes.set(id, { node: new RaftNode({ config, random: zeroRandom, stored }), storage, config, applied: [], restoredIndex: 0 });
  }

  private get(id: NodeId): ScriptNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private live(id: NodeId): RaftNode {
    const node = this.get(id).node;
    if (node === null) throw new Error(`node ${id} is down`);
    return node;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()];
  }

  tick(id: NodeId, count: number): void {
    const node = this.live(id);
    for (let i = 0; i < count; i++) node.tick();
  }

  electionTicks(id: NodeId): number {
    return this.get(id).config.electionTicks;
  }

  heartbeatTicks(id: NodeId): number {
    return this.get(id).config.heartbeatTicks;
  }

  campaign(id: NodeId): void {
    this.live(id).campaign();
  }

  propose(id: NodeId, data: string): string[] {
    const result = this.live(id).propose(encoder.encode(data));
    return result.ok ? [] : [`refused: ${result.reason} (leader=${result.leader ?? "none"})`];
  }

  confChange(id: NodeId, change: ConfChange): string[] {
    const result = this.live(id).proposeConfChange(change);
    if (result.ok) return [];
    return [`refused: ${result.reason}${result.problem !== undefined ? ` (${result.problem})` : ""}`];
  }

  transfer(id: NodeId, to: NodeId): string[] {
    return this.live(id).transferLeadership(to) ? [] : ["refused"];
  }

  compact(id: NodeId, index: number): string[] {
    const n = this.get(id);
    const snapshot = this.live(id).compact(index, encoder.encode(`snap@${index}`));
    n.storage.saveSnapshot(snapshot);
    return [];
  }

  /** persist → send → apply → advance for each listed node that has a Ready. */
  processReady(ids: readonly NodeId[]): string[] {
    const out: string[] = [];
    for (const id of ids) {
      const n = this.get(id);
      const node = n.node;
      if (node === null || !node.hasReady()) continue;
      const rd = node.ready();
      n.storage.save(rd);
      const line = formatReady(rd);
      if (line !== "" || rd.messages.length > 0) out.push(`> ${id}: ${line === "" ? "send" : line}`);
      const sent: string[] = [];
      for (const m of rd.messages) {
        sent.push(`  ${formatMessage(m)}`);
        this.queue.push(m);
      }
      out.push(...collapse(sent));
      if (rd.snapshot !== null) n.restoredIndex = rd.snapshot.index;
      n.applied.push(...rd.committedEntries);
      node.advance(rd);
    }
    return out;
  }

  /** Steps queued messages addressed to `to` (all when empty) into their nodes. */
  deliver(to: readonly NodeId[], drop: readonly NodeId[], quiet: boolean): string[] {
    const out: string[] = [];
    const keep: Message[] = [];
    for (const m of this.queue) {
      if (to.length > 0 && !to.includes(m.to)) {
        keep.push(m);
        continue;
      }
      const target = this.nodes.get(m.to)?.node ?? null;
      if (drop.includes(m.to) || target === null || this.cut(m.from, m.to)) {
        out.push(`  dropped: ${formatMessage(m)}`);
        continue;
      }
      if (!quiet) out.push(`  ${formatMessage(m)}`);
      target.step(m);
    }
    this.queue = keep;
    return collapse(out);
  }

  stabilize(): string[] {
    const out: string[] = [];
    for (let round = 0; round < 1000; round++) {
      const ready = this.processReady(this.ids());
      out.push(...ready);
      if (this.queue.length === 0 && ready.length === 0) return out;
      out.push(...this.deliver([], [], true));
    }
    throw new Error("stabilize: no fixpoint after 1000 rounds");
  }

  partition(groups: NodeId[][]): void {
    this.groups = groups;
  }

  heal(): void {
    this.groups = null;
  }

  private cut(a: NodeId, b: NodeId): boolean {
    if (this.groups === null) return false;
    const ga = this.groups.findIndex((g) => g.includes(a));
    const gb = this.groups.findIndex((g) => g.includes(b));
    return ga !== gb;
  }

  crash(id: NodeId): void {
    const n = this.get(id);
    n.storage.crash();
    n.node = null;
  }

  restart(id: NodeId): void {
    const n = this.get(id);
    if (n.node !== null) throw new Error(`node ${id} is running`);
    const stored = n.storage.load();
    n.node = new RaftNode({ config: n.config, random: zeroRandom, stored });
    n.applied = [];
    n.restoredIndex = stored.snapshot?.index ?? 0;
  }

  status(ids: readonly NodeId[]): string[] {
    return ids.map((id) => {
      const node = this.get(id).node;
      if (node === null) return `${id}: down`;
      const s = node.status();
      const leader = s.role !== "leader" && s.leader !== null ? ` leader=${s.leader}` : "";
      const vote = s.vote !== null ? ` vote=${s.vote}` : "";
      return `${id}: ${s.role} t${s.term}${vote}${leader} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} ${formatConf(s.conf)}`;
    });
  }

  progress(id: NodeId): string[] {
    const s = this.live(id).status();
    if (s.progress === null) return ["not leader"];
    return [...s.progress].map(
      ([peer, p]) =>
        `${peer}: ${p.state} match=${p.match} next=${p.next}${p.learner ? " learner" : ""}${p.recentActive ? "" : " inactive"}`,
    );
  }

  logOf(id: NodeId): string[] {
    const log = this.live(id).log;
    const snap = log.snapshot();
    const out = snap.index > 0 ? [`snapshot ${snap.term}/${snap.index} ${formatConf(snap.conf)}`] : [];
    const entries: Entry[] = [];
    for (let i = log.firstIndex(); i <= log.lastIndex(); i++) entries.push(log.entryAt(i)!);
    out.push(entries.length === 0 ? "empty" : formatEntries(entries));
    return out;
  }

  appliedOf(id: NodeId): string[] {
    const n = this.get(id);
    const out = n.restoredIndex > 0 ? [`restored snapshot at ${n.restoredIndex}`] : [];
    if (n.applied.length > 0) out.push(n.applied.map(formatEntry).join(" "));
    return out;
  }

  static parseChange(words: readonly string[]): ConfChange {
    const [type, node] = words;
    if (node === undefined) throw new Error("conf-change needs a type and a node");
    switch (type) {
      case "addLearner":
      case "promote":
      case "addVoter":
      case "remove":
        return { type, node };
      default:
        throw new Error(`unknown conf change ${type}`);
    }
  }

  static groupsOf(text: string): NodeId[][] {
    return text.split("|").map((group) => listArg(group.trim()));
  }
}

/** Repeated message lines (a leader ticked through many heartbeats) print once with a count. */
function collapse(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  const out: string[] = [];
  for (const line of lines) {
    const n = counts.get(line);
    if (n === undefined || line.startsWith(">")) {
      if (n !== undefined) out.push(line);
      continue;
    }
    out.push(n > 1 ? `${line} (x${n})` : line);
    counts.delete(line);
  }
  return out;
}
