// The Raft routes every master answers, leader or not (mounted before the follower's redirects):
//
//   POST /api/internal/raft          Raft messages between masters (consensus's HttpTransport)
//   POST /api/internal/raft/faults   tests only (--raft_fault_injection)
//   GET  /master/raft                this master's view: members, leader, term, indexes
//   POST /master/raft/members        {"add":"host:port"} | {"remove":"host:port"}, on the leader
//                                    (a follower answers 307 to the leader's same path)
//
// and the master/raft/* numbers added to /metrics/snapshot.

import type { Context, Hono } from "hono";
import {
  CatchUpTimeoutError,
  HttpTransport,
  mountRaftRoutes,
  NotLeaderError,
  ProposalOutcomeUnknownError,
  ProposalRefusedError,
  nodeIdBytesMax,
} from "../../consensus/index.ts";
import type { RaftRegistry } from "./raft-registry.ts";

export const raftStatusPath = "/master/raft";
export const raftMembersPath = "/master/raft/members";
/** A membership request body; it holds one address. */
export const membersBodyBytesMax = 4096;

const hostPortPattern = /^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

export interface RaftRoutesOptions {
  readonly registry: RaftRegistry;
  readonly transport: HttpTransport;
  readonly faultInjection: boolean;
  /** How long an add may wait for the new master to catch up. */
  readonly catchUpTimeoutMs: number;
}

export function mountRaftMasterRoutes(app: Hono, options: RaftRoutesOptions): void {
  mountRaftRoutes(app, options.transport, { faultInjection: options.faultInjection });
  app.get(raftStatusPath, (c) => c.json(raftStatus(options.registry)));
  app.post(raftMembersPath, (c) => changeMembers(c, options));
  app.use("/metrics/snapshot", async (c, next) => {
    await next();
    if (c.res.status !== 200 || !(c.res.headers.get("content-type") ?? "").includes("json")) return;
    const body = (await c.res.json()) as Record<string, unknown>;
    c.res = new Response(JSON.stringify({ ...body, ...raftMetricsSnapshot(options.registry) }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  });
}

/** GET /master/raft. */
export function raftStatus(registry: RaftRegistry): Record<string, unknown> {
  const driver = registry.driver;
  const status = driver.status();
  const metrics = driver.metrics();
  const committed = driver.core().log.confAt(status.commit);
  const progress = status.progress === null
    ? undefined
    : Object.fromEntries([...status.progress].map(([id, pr]) => [id, { match_index: pr.match, next_index: pr.next, state: pr.state, learner: pr.learner, recent_active: pr.recentActive }]));
  return {
    id: registry.id,
    role: status.role,
    term: status.term,
    leader: status.leader,
    announced_leader: registry.announcedLeader(),
    voters: status.conf.voters,
    learners: status.conf.learners,
    // The configuration as of the commit index: a change still in flight may yet be undone.
    committed_voters: committed.voters,
    committed_learners: committed.learners,
    commit_index: status.commit,
    applied_index: status.applied,
    last_index: status.lastIndex,
    snapshot_index: status.snapshotIndex,
    apply_lag_entries: metrics.applyLagEntries,
    leader_changes: metrics.leaderChanges,
    election_duration_ms: metrics.lastElectionDurationMs,
    proposals_pending: metrics.proposalsPending,
    ...(progress === undefined ? {} : { progress }),
  };
}

/** Plain numbers for /metrics/snapshot; observability/ turns the driver's events into instruments. */
export function raftMetricsSnapshot(registry: RaftRegistry): Record<string, number> {
  const m = registry.driver.metrics();
  const conf = registry.driver.conf();
  return {
    "master/raft/term": m.term,
    "master/raft/is_leader": m.isLeader ? 1 : 0,
    "master/raft/leader_changes": m.leaderChanges,
    "master/raft/commit_index": m.commitIndex,
    "master/raft/applied_index": m.appliedIndex,
    "master/raft/apply_lag": m.applyLagEntries,
    "master/raft/last_index": m.lastIndex,
    "master/raft/snapshot_index": m.snapshotIndex,
    "master/raft/election_duration_ms": m.lastElectionDurationMs ?? 0,
    "master/raft/proposals_pending": m.proposalsPending,
    "master/raft/voters": conf.voters.length,
    "master/raft/learners": conf.learners.length,
  };
}

type MembersChange = { readonly kind: "add" | "remove"; readonly node: string };

/** Decodes the body field by field; a problem names the field. */
export function parseMembersChange(body: unknown): MembersChange | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return 'body: expected {"add":"host:port"} or {"remove":"host:port"}';
  const fields = Object.keys(body);
  const known = fields.filter((field) => field === "add" || field === "remove");
  if (known.length !== 1 || fields.length !== 1) return 'body: expected exactly one of "add" and "remove"';
  const kind = known[0] as "add" | "remove";
  const node = (body as Record<string, unknown>)[kind];
  if (typeof node !== "string" || node.length > nodeIdBytesMax || !hostPortPattern.test(node)) return `${kind}: expected host:port, got ${JSON.stringify(node)}`;
  return { kind, node };
}

async function changeMembers(c: Context, options: RaftRoutesOptions): Promise<Response> {
  const text = await c.req.text();
  if (text.length > membersBodyBytesMax) return c.json({ error: `body larger than ${membersBodyBytesMax} bytes` }, 413);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return c.json({ error: `body is not JSON: ${(error as Error).message}` }, 400);
  }
  const change = parseMembersChange(body);
  if (typeof change === "string") return c.json({ error: change }, 400);
  const { driver } = options.registry;
  if (!driver.isLeader()) return redirectToLeader(c, driver.leader());
  try {
    if (change.kind === "add") await driver.addServer(change.node, options.catchUpTimeoutMs);
    else await driver.removeServer(change.node);
  } catch (error) {
    return membershipError(c, error, driver.leader());
  }
  return c.json(raftStatus(options.registry));
}

function redirectToLeader(c: Context, leader: string | null): Response {
  if (leader === null) return c.json({ error: "no leading master; try again shortly" }, 503);
  return c.body(null, 307, { Location: `http://${leader}${raftMembersPath}` });
}

function membershipError(c: Context, error: unknown, leader: string | null): Response {
  if (error instanceof NotLeaderError) return c.json({ error: error.message, leader }, 503);
  if (error instanceof ProposalRefusedError) return c.json({ error: error.message, leader }, 409);
  if (error instanceof CatchUpTimeoutError || error instanceof ProposalOutcomeUnknownError) return c.json({ error: error.message }, 504);
  throw error;
}
