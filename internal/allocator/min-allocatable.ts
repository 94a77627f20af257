// `--min_allocatable_resources`: alternatives separated by `|`, each a `;`-separated list of
// `name:quantity`, e.g. `cpus:0.01|mem:32` (the Mesos default) or `disk:1|cpus:1;mem:32;ports:1`.
// A scalar's quantity is its value; a ranges or set resource's quantity is its instance count.

import { minAllocatableAlternativesMax, minAllocatableQuantitiesMax } from "./limits.ts";
import type { MinAllocatableAlternative, ResourceQuantity } from "./types.ts";

export const minAllocatableTextDefault = "cpus:0.01|mem:32";

export type MinAllocatableParseResult =
  | { readonly ok: true; readonly alternatives: readonly MinAllocatableAlternative[] }
  | { readonly ok: false; readonly problem: string };

const namePattern = /^[A-Za-z0-9_/.-]+$/;
const quantityPattern = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses the flag text; a problem names the offending token. */
export function parseMinAllocatable(text: string): MinAllocatableParseResult {
  const alternatives: MinAllocatableAlternative[] = [];
  const parts = text.split("|");
  if (parts.length > minAllocatableAlternativesMax) {
    return { ok: false, problem: `more than ${minAllocatableAlternativesMax} alternatives` };
  }
  for (const part of parts) {
    const parsed = parseAlternative(part);
    if (typeof parsed === "string") return { ok: false, problem: parsed };
    alternatives.push(parsed);
  }
  return { ok: true, alternatives };
}

function parseAlternative(text: string): MinAllocatableAlternative | string {
  const byName = new Map<string, number>();
  for (const raw of text.split(";")) {
    const token = raw.trim();
    if (token.length === 0) continue;
    const colon = token.indexOf(":");
    if (colon < 0) return `'${token}' is not name:quantity`;
    const name = token.slice(0, colon).trim();
    const value = token.slice(colon + 1).trim();
    if (!namePattern.test(name)) return `'${token}': bad resource name '${name}'`;
    if (!quantityPattern.test(value)) return `'${token}': quantity '${value}' is not a non-negative number`;
    const thousandths = Math.round(Number(value) * 1000);
    if (!Number.isSafeInteger(thousandths)) return `'${token}': quantity too large`;
    byName.set(name, (byName.get(name) ?? 0) + thousandths);
  }
  if (byName.size === 0) return `empty alternative in '${text}'`;
  if (byName.size > minAllocatableQuantitiesMax) {
    return `more than ${minAllocatableQuantitiesMax} quantities in one alternative`;
  }
  const quantities: ResourceQuantity[] = [];
  for (const [name, quantityThousandths] of byName) quantities.push({ name, quantityThousandths });
  return quantities;
}

/** The Mesos default, `cpus:0.01|mem:32`. */
export const minAllocatableDefault: readonly MinAllocatableAlternative[] = [
  [{ name: "cpus", quantityThousandths: 10 }],
  [{ name: "mem", quantityThousandths: 32_000 }],
];

/** Text form of parsed alternatives, for logs and the `/flags` endpoint. */
export function formatMinAllocatable(alternatives: readonly MinAllocatableAlternative[]): string {
  return alternatives
    .map((alternative) => alternative.map((q) => `${q.name}:${q.quantityThousandths / 1000}`).join(";"))
    .join("|");
}
