// An agent's available resources split by role once per visit: the unreserved part, which any
// role may take, and one part per role holding reservations, which only that role may take.

import { unreservedRole, type Resources } from "../resources/index.ts";
import type { Amounts, QuantityIndex } from "./quantities.ts";

export interface Piece {
  readonly resources: Resources;
  readonly amounts: Amounts;
}

export interface AgentPieces {
  readonly unreserved: Piece;
  /** By role, in the order the roles first appear in `available` (sorted by name, then role). */
  readonly reserved: ReadonlyMap<string, Piece>;
}

export function splitByRole(available: Resources, index: QuantityIndex): AgentPieces {
  const reservedRoles: string[] = [];
  for (const resource of available) {
    if (resource.role !== unreservedRole && !reservedRoles.includes(resource.role)) reservedRoles.push(resource.role);
  }
  if (reservedRoles.length === 0) {
    return { unreserved: { resources: available, amounts: index.amountsOf(available) }, reserved: new Map() };
  }
  const unreserved = available.unreserved();
  const reserved = new Map<string, Piece>();
  for (const role of reservedRoles) {
    const resources = available.reservedBy(role);
    reserved.set(role, { resources, amounts: index.amountsOf(resources) });
  }
  return { unreserved: { resources: unreserved, amounts: index.amountsOf(unreserved) }, reserved };
}
