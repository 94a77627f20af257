// Dynamic reservations (RESERVE and UNRESERVE offer operations). The resources model knows only
// roles, so a dynamic reservation is kept as role-labelled resources per agent in the registry;
// the agent's total, as the allocator sees it, is its static total with those applied. Only what
// was reserved dynamically can be unreserved.

import { Resources, parseResourcesJSONValue, unreservedRole, type ResourceJSON } from "../resources/index.ts";
import type { OperationResourceJSON } from "../wire/index.ts";

/** Operation resources as role-labelled Resources; the reservation role is the last DYNAMIC one. */
export function reservedResources(resources: OperationResourceJSON[]): { reserved: Resources; problem?: string } {
  const plain: unknown[] = [];
  for (const [index, resource] of resources.entries()) {
    const dynamic = (resource.reservations ?? []).filter((r) => r.type === "DYNAMIC");
    const role = dynamic.at(-1)?.role ?? (resource.role !== unreservedRole ? resource.role : undefined);
    if (!role) return { reserved: Resources.EMPTY, problem: `resources[${index}]: a dynamic reservation needs reservations[].role` };
    const { reservations: _r, allocation_info: _a, ...rest } = resource;
    plain.push({ ...rest, role });
  }
  try {
    return { reserved: parseResourcesJSONValue(plain, unreservedRole) };
  } catch (error) {
    return { reserved: Resources.EMPTY, problem: (error as Error).message };
  }
}

/** The agent's total as offered: its static total with dynamic reservations carved out of `*`. */
export function withReservations(staticTotal: Resources, dynamic: Resources): Resources | undefined {
  const unreserved = dynamic.flatten(unreservedRole);
  if (!staticTotal.contains(unreserved)) return undefined;
  return staticTotal.minus(unreserved).plus(dynamic);
}

/** Marks resource JSON entries the agent holds as dynamic reservations the way Mesos shows them. */
export function markDynamic(json: ResourceJSON[], dynamic: Resources): ResourceJSON[] {
  if (dynamic.isEmpty()) return json;
  return json.map((entry) => {
    if (entry.role === unreservedRole || dynamic.find(entry.name, entry.role) === undefined) return entry;
    return { ...entry, reservations: [{ type: "DYNAMIC", role: entry.role }] } as unknown as ResourceJSON;
  });
}
