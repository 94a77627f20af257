// Typed errors a proposal can end with. Each says whether the entry might still commit, because
// a caller that retries an entry that did commit applies it twice.

import type { NodeId } from "../types.ts";

/** Refused before entering the log: safe to retry, on `leader` if one is known. */
export class NotLeaderError extends Error {
  constructor(readonly leader: NodeId | null) {
    super(leader === null ? "not the leader; no leader is known" : `not the leader; the leader is ${leader}`);
    this.name = "NotLeaderError";
  }
}

/** Refused before entering the log for another reason (limit reached, change invalid or pending). */
export class ProposalRefusedError extends Error {
  constructor(
    readonly reason: string,
    readonly leader: NodeId | null,
  ) {
    super(`proposal refused: ${reason}`);
    this.name = "ProposalRefusedError";
  }
}

/** The entry was appended but another leader's entry took its index: it will never apply. */
export class ProposalDroppedError extends Error {
  constructor(readonly index: number) {
    super(`proposal at index ${index} was overwritten by a new leader`);
    this.name = "ProposalDroppedError";
  }
}

/** No answer in time (or the log was replaced by a snapshot): the entry may or may not apply. */
export class ProposalOutcomeUnknownError extends Error {
  constructor(
    readonly index: number,
    why: string,
  ) {
    super(`proposal at index ${index}: outcome unknown (${why})`);
    this.name = "ProposalOutcomeUnknownError";
  }
}

export class DriverStoppedError extends Error {
  constructor() {
    super("raft driver is stopped");
    this.name = "DriverStoppedError";
  }
}

export class CatchUpTimeoutError extends Error {
  constructor(
    readonly node: NodeId,
    readonly match: number,
    readonly lastIndex: number,
  ) {
    super(`${node} did not catch up in time (match ${match}, leader's last index ${lastIndex})`);
    this.name = "CatchUpTimeoutError";
  }
}
