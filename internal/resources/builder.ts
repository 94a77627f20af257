// Collects parsed entries for the text and JSON parsers. Unlike Resources.plus, which takes unions,
// it is strict about repetition in a configuration: the same port or set item written twice, or one
// name given two types, is a mistake the operator should hear about.

import { ResourcesParseError } from "./errors.ts";
import { scalarThousandthsMax } from "./limits.ts";
import { formatRanges, rangesOverlap } from "./ranges.ts";
import { addResource } from "./resource.ts";
import { Resources } from "./resources.ts";
import { firstCommonItem } from "./sets.ts";
import type { Resource, ResourceType } from "./types.ts";

export class StrictResourcesBuilder {
  private readonly byKey = new Map<string, Resource>();
  private readonly typeByName = new Map<string, ResourceType>();

  /** Adds one entry parsed from `token`; throws ResourcesParseError naming that token. */
  add(resource: Resource, token: string): void {
    const knownType = this.typeByName.get(resource.name);
    if (knownType !== undefined && knownType !== resource.type) {
      throw new ResourcesParseError(
        token,
        `'${resource.name}' is already ${knownType} and cannot also be ${resource.type}`,
      );
    }
    this.typeByName.set(resource.name, resource.type);
    const key = `${resource.name}\u0000${resource.role}`;
    const previous = this.byKey.get(key);
    if (previous !== undefined) assertNoRepeat(previous, resource, token);
    this.byKey.set(key, previous === undefined ? resource : addResource(previous, resource));
  }

  build(): Resources {
    return Resources.fromList(this.byKey.values());
  }
}

function assertNoRepeat(previous: Resource, next: Resource, token: string): void {
  if (previous.type === "SCALAR" && next.type === "SCALAR") {
    if (previous.thousandths + next.thousandths > scalarThousandthsMax) {
      throw new ResourcesParseError(token, "value too large");
    }
  } else if (previous.type === "RANGES" && next.type === "RANGES") {
    if (rangesOverlap(previous.ranges, next.ranges)) {
      throw new ResourcesParseError(
        token,
        `overlapping ranges: ${formatRanges(next.ranges)} overlaps ${formatRanges(previous.ranges)} given earlier`,
      );
    }
  } else if (previous.type === "SET" && next.type === "SET") {
    const repeated = firstCommonItem(previous.items, next.items);
    if (repeated !== undefined) {
      throw new ResourcesParseError(token, `duplicate set item '${repeated}'`);
    }
  }
}
