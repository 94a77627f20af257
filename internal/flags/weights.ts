import { roleProblem } from "../resources/index.ts";

/** `--weights=role=2,other=1`: each weight a positive number, each role valid. */
export function parseWeights(text: string): { weights: Map<string, number>; problem?: string } {
  const weights = new Map<string, number>();
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq === -1) return { weights, problem: `expected role=weight, got '${entry}'` };
    const role = entry.slice(0, eq).trim();
    const weight = Number(entry.slice(eq + 1).trim());
    const badRole = roleProblem(role);
    if (badRole !== undefined) return { weights, problem: `'${entry}': ${badRole}` };
    if (!Number.isFinite(weight) || weight <= 0) return { weights, problem: `'${entry}': weight must be a positive number` };
    weights.set(role, weight);
  }
  return { weights };
}
