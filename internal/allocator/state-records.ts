// The records AllocatorState keeps per agent, framework and (framework, role), and how each turns
// into the immutable object a view shows. A record drops its cached view object when it changes;
// `view()` rebuilds only those, so a cycle that touched 20,000 offers rebuilds each agent once.

import { Resources, scalarResource } from "../resources/index.ts";
import { rolesPerFrameworkMax } from "./limits.ts";
import type { AgentView, AllocationView, FrameworkCapabilities, FrameworkView } from "./types.ts";

export class AllocatorStateError extends Error {
  override readonly name = "AllocatorStateError";
}

export interface AgentInfo {
  readonly id: string;
  readonly hostname: string;
  /** What the agent advertises (`--resources`), reservations included. */
  readonly total: Resources;
  /** The machine's cores; Infinity for no oversubscription cap. */
  readonly physicalCpus: number;
  /** Default true. */
  readonly offerable?: boolean;
}

export interface AgentRecord {
  info: AgentInfo & { readonly offerable: boolean };
  /** Total minus allocated minus offered, kept by adding and subtracting each change. */
  available: Resources;
  /** Allocated to tasks, by framework and role (offers are kept apart, by offer id). */
  readonly tasks: Map<string, Resources>;
  readonly offerIds: Set<string>;
  view: AgentView | undefined;
}

export interface FrameworkRecord {
  readonly id: string;
  roles: readonly string[];
  capabilities: FrameworkCapabilities;
  active: boolean;
  /** Replaced, never changed, so views that hold it keep what they saw. */
  suppressed: ReadonlySet<string>;
  readonly offerIds: Set<string>;
  /** Agents where the framework has tasks, and agents where it has filters. */
  readonly taskAgents: Set<string>;
  readonly filterAgents: Set<string>;
  view: FrameworkView | undefined;
}

/** Scalar quantities one framework holds in one role, summed over agents and roles of resources. */
export interface AllocationRecord {
  readonly frameworkId: string;
  readonly role: string;
  readonly thousandths: Map<string, number>;
  allocationCount: number;
  view: AllocationView | undefined;
}

export function agentViewOf(record: AgentRecord): AgentView {
  if (record.view !== undefined) return record.view;
  const { info, available } = record;
  record.view = {
    id: info.id,
    hostname: info.hostname,
    available,
    physicalCpus: info.physicalCpus,
    cpusInUseThousandths: info.total.scalarThousandths("cpus") - available.scalarThousandths("cpus"),
    offerable: info.offerable,
  };
  return record.view;
}

export function frameworkViewOf(record: FrameworkRecord): FrameworkView {
  record.view ??= {
    id: record.id,
    roles: record.roles,
    suppressedRoles: record.suppressed,
    outstandingOffers: record.offerIds.size,
    active: record.active,
    capabilities: record.capabilities,
  };
  return record.view;
}

export function allocationViewOf(record: AllocationRecord): AllocationView {
  if (record.view !== undefined) return record.view;
  const scalars = [...record.thousandths].map(([name, thousandths]) => scalarResource(name, thousandths / 1000));
  record.view = {
    frameworkId: record.frameworkId,
    role: record.role,
    resources: Resources.fromList(scalars),
    allocationCount: record.allocationCount,
  };
  return record.view;
}

/** Adds (or takes away) the scalars of `resources`, whatever their role, into `thousandths`. */
export function addScalars(thousandths: Map<string, number>, resources: Resources, sign: 1 | -1): void {
  const entries = resources.toArray();
  for (let i = 0; i < entries.length; i++) {
    const resource = entries[i]!;
    if (resource.type !== "SCALAR") continue;
    const next = (thousandths.get(resource.name) ?? 0) + sign * resource.thousandths;
    check(next >= 0, () => `${resource.name} would go negative (${next} thousandths)`);
    if (next === 0) thousandths.delete(resource.name);
    else thousandths.set(resource.name, next);
  }
}

export function checkRoles(id: string, roles: readonly string[], capabilities: FrameworkCapabilities): string[] {
  const unique = [...new Set(roles)];
  check(unique.length > 0, `framework ${id} has no role`);
  check(unique.length <= rolesPerFrameworkMax, `framework ${id} has more than ${rolesPerFrameworkMax} roles`);
  check(capabilities.multiRole || unique.length === 1, `framework ${id} has several roles but not MULTI_ROLE`);
  return unique;
}

export function checkPhysicalCpus(agentId: string, physicalCpus: number): void {
  check(physicalCpus >= 0, `agent ${agentId}: physicalCpus ${physicalCpus} is not a non-negative number`);
}

/** The fields of `changes` that are set. */
export function definedOnly<T extends object>(changes: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

export function joinKey(frameworkId: string, role: string): string {
  return `${frameworkId}\u0000${role}`;
}

export function splitKey(key: string): [string, string] {
  const at = key.indexOf("\u0000");
  return [key.slice(0, at), key.slice(at + 1)];
}

/** Throws AllocatorStateError; a message that formats Resources is passed as a function so the
 * hot path does not build it when all is well. */
export function check(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new AllocatorStateError(typeof message === "string" ? message : message());
}
