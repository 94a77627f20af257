// Single-server membership changes (Raft thesis §4.1). Each change adds or removes at most one
// voter, so any majority of the old voters overlaps any majority of the new ones and the two
// configurations can never elect separate leaders. A change takes effect on a server as soon as
// the entry is in its log; the leader allows one uncommitted change at a time, and none before an
// entry of its own term has committed (the fix to the single-server algorithm from the raft-dev
// list, 2015: without it a stale change from a deposed leader could overlap a new one).

import { assertNever } from "../runtime/index.ts";
import { membersMax } from "./limits.ts";
import type { ConfChange, ConfState, NodeId } from "./types.ts";

export const emptyConf: ConfState = Object.freeze({ voters: [], learners: [] });

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id);
}

export function isLearner(conf: ConfState, id: NodeId): boolean {
  return conf.learners.includes(id);
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return isVoter(conf, id) || isLearner(conf, id);
}

export function members(conf: ConfState): NodeId[] {
  return [...conf.voters, ...conf.learners];
}

/** Votes (or acks) needed among the voters: a strict majority. */
export function quorumSize(conf: ConfState): number {
  return Math.floor(conf.voters.length / 2) + 1;
}

export function confEquals(a: ConfState, b: ConfState): boolean {
  return sameList(a.voters, b.voters) && sameList(a.learners, b.learners);
}

function sameList(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function sorted(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort();
}

/** Why `change` cannot follow `conf`, or undefined when it can. */
export function confChangeProblem(conf: ConfState, change: ConfChange): string | undefined {
  const total = conf.voters.length + conf.learners.length;
  switch (change.type) {
    case "bootstrap": {
      if (total !== 0) return "bootstrap on a non-empty configuration";
      if (change.voters.length === 0) return "bootstrap without voters";
      if (new Set(change.voters).size !== change.voters.length) return "bootstrap lists a voter twice";
      if (change.voters.some((id) => id === "")) return "bootstrap lists an empty id";
      return change.voters.length > membersMax ? `more than ${membersMax} members` : undefined;
    }
    case "addLearner":
    case "addVoter":
      if (change.node === "") return "empty node id";
      if (isMember(conf, change.node)) return `${change.node} is already a member`;
      return total + 1 > membersMax ? `more than ${membersMax} members` : undefined;
    case "promote":
      return isLearner(conf, change.node) ? undefined : `${change.node} is not a learner`;
    case "remove":
      if (!isMember(conf, change.node)) return `${change.node} is not a member`;
      if (isVoter(conf, change.node) && conf.voters.length === 1) return "cannot remove the last voter";
      return undefined;
    default:
      return assertNever(change);
  }
}

/** The configuration after `change`; the caller has checked `confChangeProblem`. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const voters = new Set(conf.voters);
  const learners = new Set(conf.learners);
  switch (change.type) {
    case "bootstrap":
      for (const id of change.voters) voters.add(id);
      break;
    case "addLearner":
      learners.add(change.node);
      break;
    case "promote":
      learners.delete(change.node);
      voters.add(change.node);
      break;
    case "addVoter":
      voters.add(change.node);
      break;
    case "remove":
      voters.delete(change.node);
      learners.delete(change.node);
      break;
    default:
      assertNever(change);
  }
  return { voters: sorted(voters), learners: sorted(learners) };
}

export function formatConf(conf: ConfState): string {
  const learners = conf.learners.length === 0 ? "" : ` learners=(${conf.learners.join(" ")})`;
  return `voters=(${conf.voters.join(" ")})${learners}`;
}

export function formatConfChange(change: ConfChange): string {
  return change.type === "bootstrap" ? `bootstrap(${change.voters.join(" ")})` : `${change.type}(${change.node})`;
}
