// An agent's available resources split by role once per visit: the unreserved part, which any
// role may take, and one part per role holding reservations, which only that role may take.

import { unreservedRole, type Resources } from "../resources/index.ts";
import type { Amounts, QuantityIndex } from "./quantities.ts";

export interface Piece {
  readonly resources: Resources;
  /** Owned by the visit: the unreserved part's vector is spent down as offers are made. */
  readonly amounts: Amounts;
}

export interface AgentPieces {
  readonly unreserved: Piece;
  /** By role, in the order the roles first appear in `available` (sorted by name, then role). */
  readonly reserved: ReadonlyMap<string, Piece>;
}

/**
 * Vectors for one agent visit at a time. Visits are sequential and a visit's vectors are dead once
 * it ends, so the same few are handed out again; a cycle over 10,000 agents then allocates a few
 * vectors instead of tens of thousands.
 */
export class AmountsPool {
  private readonly vectors: Amounts[] = [];
  private used = 0;

  constructor(private readonly index: QuantityIndex) {}

  /** Starts a new visit: every vector handed out before is free again. */
  reset(): void {
    this.used = 0;
  }

  /** A zeroed vector, valid until the next reset. */
  take(): Amounts {
    let vector = this.vectors[this.used];
    if (vector === undefined) {
      vector = this.index.zeros();
      this.vectors.push(vector);
    } else {
      for (let slot = 0; slot < vector.length; slot++) vector[slot] = 0;
    }
    this.used++;
    return vector;
  }
}

export function splitByRole(available: Resources, index: QuantityIndex, pool: AmountsPool): AgentPieces {
  const reservedRoles: string[] = [];
  const entries = available.toArray();
  for (let i = 0; i < entries.length; i++) {
    const role = entries[i]!.role;
    if (role !== unreservedRole && !reservedRoles.includes(role)) reservedRoles.push(role);
  }
  if (reservedRoles.length === 0) {
    return { unreserved: piece(available, index, pool), reserved: new Map() };
  }
  const reserved = new Map<string, Piece>();
  for (const role of reservedRoles) reserved.set(role, piece(available.reservedBy(role), index, pool));
  return { unreserved: piece(available.unreserved(), index, pool), reserved };
}

function piece(resources: Resources, index: QuantityIndex, pool: AmountsPool): Piece {
  const amounts = pool.take();
  index.addInto(amounts, resources, 1);
  return { resources, amounts };
}
