// Data-driven allocator scenarios, in the spirit of etcd raft's datadriven tests. Each file under
// testdata/*.txt is one scenario, run top to bottom against one AllocatorState and a virtual
// clock. Set ALLOCATOR_REWRITE=1 to rewrite the expected outputs from what the code does now
// (then read the diff: the files are the specification).
//
// Format: a command on one line; optionally a line `----` followed by the expected output, which
// ends at the next blank line. A command without `----` must print nothing. `#` starts a comment
// line. Resources use the `--resources` text grammar; roles default to `*`.
//
//   options [offers-max=N] [min-allocatable=TEXT|none] [interval=MS]   (first command only)
//   seed N                                   seed of the next allocations (default 1)
//   agent ID RESOURCES [physical=CPUS] [host=NAME] [offerable=false]
//   update-agent ID [resources=RES] [physical=CPUS] [offerable=BOOL]
//   remove-agent ID                          prints the offers that went with it
//   framework ID roles=R1,R2 [multi-role] [inactive] [suppressed=R1,...]
//   update-framework ID [roles=R1,...] [multi-role=BOOL] [active=BOOL]
//   remove-framework ID
//   weight ROLE=W
//   quota ROLE RESOURCES|none
//   max-oversubscription X                   (Infinity for no cap)
//   inactive ROLE...  /  active ROLE...      role schedule windows closing / opening
//   decline FW [AGENT] [role=R] [refuse=SECONDS]     ends the framework's offers (on AGENT, in
//                                            role R) and filters what each held
//   accept FW [AGENT] [role=R] [used=RESOURCES] [refuse=SECONDS]  likewise, keeping `used` (all
//                                            by default) as tasks; the unused part is filtered
//   recover FW AGENT ROLE RESOURCES          tasks ended
//   suppress FW [ROLE...] / unsuppress FW [ROLE...] / revive FW [ROLE...]
//   advance MS                               moves the virtual clock
//   allocate [seed=N] [dry]                  runs a cycle and applies it (dry: prints only);
//                                            prints `rescind ID FW AGENT ROLE REASON` lines, then
//                                            `offer ID FW AGENT ROLE RESOURCES` lines in the order
//                                            decided, or `no offers`; any broken invariant
//                                            (planProblems) prints as `BROKEN: ...`
//   offers                                   outstanding offers, oldest first
//   agents                                   available resources, cpus in use and cap per agent
//   filters                                  live decline filters
//
// A command that throws prints `error: MESSAGE`.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseResources, Resources } from "../resources/index.ts";
import { allocate } from "./allocate.ts";
import { planProblems } from "./invariants.ts";
import { maxOversubscriptionDefault } from "./limits.ts";
import { minAllocatableDefault, parseMinAllocatable } from "./min-allocatable.ts";
import { refuseFilterDurationMs } from "./refuse-filter.ts";
import { cpusCapThousandths } from "./rescind.ts";
import { AllocatorState, type AllocatorStateOptions } from "./state.ts";
import type { AllocationPlan, OutstandingOffer, RescindReason } from "./types.ts";

const testdataDir = join(import.meta.dir, "testdata");
const rewrite = process.env.ALLOCATOR_REWRITE === "1";

interface Directive {
  readonly kind: "directive";
  readonly lineNo: number;
  readonly line: string;
  readonly expected: string[] | undefined;
}
type Block = Directive | { readonly kind: "text"; readonly line: string };

/** Splits a script into comment/blank lines and directives with their expected output. */
function parseScript(text: string): Block[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "" || line.trimStart().startsWith("#")) {
      blocks.push({ kind: "text", line });
      continue;
    }
    let expected: string[] | undefined;
    if (lines[i + 1] === "----") {
      expected = [];
      i += 2;
      while (i < lines.length && lines[i]!.trim() !== "") expected.push(lines[i++]!);
      if (i < lines.length) i--;
    }
    blocks.push({ kind: "directive", lineNo: i + 1, line, expected });
  }
  return blocks;
}

function renderScript(blocks: readonly Block[], outputs: ReadonlyMap<Directive, string[]>): string {
  const out: string[] = [];
  blocks.forEach((block, i) => {
    out.push(block.line);
    if (block.kind === "text") return;
    const output = outputs.get(block) ?? [];
    if (output.length === 0 && block.expected === undefined) return;
    out.push("----", ...output);
    // Expected output ends at a blank line, so one must follow unless the file ends or has one.
    const next = blocks[i + 1];
    if (next !== undefined && !(next.kind === "text" && next.line.trim() === "")) out.push("");
  });
  return out.join("\n") + "\n";
}

interface Args {
  readonly positional: readonly string[];
  readonly named: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
}

function parseArgs(tokens: readonly string[]): Args {
  const positional: string[] = [];
  const named = new Map<string, string>();
  const flags = new Set<string>();
  for (const token of tokens) {
    const eq = token.indexOf("=");
    // Resources text holds no `=`, so `key=value` is always an option.
    if (eq > 0) named.set(token.slice(0, eq), token.slice(eq + 1));
    else positional.push(token);
  }
  for (const token of positional) flags.add(token);
  return { positional, named, flags };
}

/** The script's world: the state under test, a virtual clock and the knobs of the next cycle. */
class World {
  state: AllocatorState | undefined;
  nowMs = 0;
  seed = 1;
  intervalMs = 1000;
  maxOversubscription = maxOversubscriptionDefault;
  readonly inactive = new Set<string>();
  private offerSeq = 0;

  configure(options: AllocatorStateOptions): void {
    if (this.state !== undefined) throw new Error("options must be the first command");
    this.state = new AllocatorState(options);
  }

  get s(): AllocatorState {
    this.state ??= new AllocatorState({ minAllocatable: minAllocatableDefault });
    return this.state;
  }

  nextOfferId = (): string => `o${++this.offerSeq}`;

  /** Outstanding offers of a framework, optionally on one agent and in one role. */
  offersOf(frameworkId: string, agentId: string | undefined, role: string | undefined): OutstandingOffer[] {
    const found = this.s
      .outstandingOffers()
      .filter(
        (o) =>
          o.frameworkId === frameworkId &&
          (agentId === undefined || o.agentId === agentId) &&
          (role === undefined || o.role === role),
      );
    if (found.length === 0) throw new Error(`no outstanding offer for ${frameworkId} on ${agentId ?? "any agent"}`);
    return found;
  }

  /** Filters `refused` as a decline with `refuse` seconds would. */
  filter(offer: OutstandingOffer, refused: Resources, refuse: string | undefined): void {
    const durationMs = refuseFilterDurationMs(refuse === undefined ? undefined : Number(refuse), this.intervalMs);
    if (durationMs === 0 || refused.isEmpty()) return;
    const { frameworkId, agentId, role } = offer;
    this.s.addFilter({ frameworkId, agentId, role, refused, expiresAtMs: this.nowMs + durationMs });
  }
}

type Command = (world: World, args: Args) => string[];

function list(text: string | undefined): string[] {
  return text === undefined || text === "" ? [] : text.split(",");
}

function bool(text: string | undefined, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text !== "true" && text !== "false") throw new Error(`'${text}' is not true or false`);
  return text === "true";
}

function arg(args: Args, i: number, what: string): string {
  const value = args.positional[i];
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

function reasonText(reason: RescindReason): string {
  switch (reason.kind) {
    case "role-inactive":
      return "role-inactive";
    case "oversubscription-cap":
      return `oversubscription-cap cap=${reason.cpusCapThousandths / 1000} in-use=${reason.cpusInUseThousandths / 1000}`;
    case "quota-exceeded":
      return `quota-exceeded ${reason.resourceName} limit=${reason.limitThousandths / 1000}`;
  }
}

function runAllocate(world: World, args: Args): string[] {
  const seed = args.named.has("seed") ? Number(args.named.get("seed")) : world.seed;
  const view = world.s.view(seed, new Set(world.inactive), world.maxOversubscription);
  const plan: AllocationPlan = allocate(view, world.nowMs);
  const out = planProblems(view, plan, world.nowMs).map((problem) => `BROKEN: ${problem}`);
  for (const r of plan.rescinds) out.push(`rescind ${r.offerId} ${r.frameworkId} ${r.agentId} ${r.role} ${reasonText(r.reason)}`);
  if (args.flags.has("dry")) {
    for (const o of plan.offers) out.push(`offer - ${o.frameworkId} ${o.agentId} ${o.role} ${o.resources}`);
  } else {
    const made = world.s.applyPlan(plan, world.nextOfferId);
    if (made.length !== plan.offers.length) out.push(`BROKEN: applied ${made.length} of ${plan.offers.length} offers`);
    for (const o of made) out.push(`offer ${o.offerId} ${o.frameworkId} ${o.agentId} ${o.role} ${o.resources}`);
  }
  if (plan.offers.length === 0) out.push("no offers");
  return out;
}

const commands: Record<string, Command> = {
  options: (world, args) => {
    const text = args.named.get("min-allocatable");
    let minAllocatable = minAllocatableDefault;
    if (text === "none") minAllocatable = [];
    else if (text !== undefined) {
      const parsed = parseMinAllocatable(text);
      if (!parsed.ok) throw new Error(parsed.problem);
      minAllocatable = parsed.alternatives;
    }
    const offersMax = args.named.get("offers-max");
    world.configure({ minAllocatable, offersPerFrameworkMax: offersMax === undefined ? undefined : Number(offersMax) });
    if (args.named.has("interval")) world.intervalMs = Number(args.named.get("interval"));
    return [];
  },
  seed: (world, args) => {
    world.seed = Number(arg(args, 0, "seed"));
    return [];
  },
  agent: (world, args) => {
    const id = arg(args, 0, "agent id");
    const total = parseResources(arg(args, 1, "resources"));
    const physical = args.named.get("physical");
    world.s.addAgent({
      id,
      hostname: args.named.get("host") ?? `${id}.example`,
      total,
      physicalCpus: physical === undefined ? total.scalar("cpus") : Number(physical),
      offerable: bool(args.named.get("offerable"), true),
    });
    return [];
  },
  "update-agent": (world, args) => {
    const resources = args.named.get("resources");
    const physical = args.named.get("physical");
    const offerable = args.named.get("offerable");
    world.s.updateAgent(arg(args, 0, "agent id"), {
      total: resources === undefined ? undefined : parseResources(resources),
      physicalCpus: physical === undefined ? undefined : Number(physical),
      offerable: offerable === undefined ? undefined : bool(offerable, true),
    });
    return [];
  },
  "remove-agent": (world, args) => world.s.removeAgent(arg(args, 0, "agent id")).map((o) => `dropped ${o.offerId}`),
  framework: (world, args) => {
    const roles = list(args.named.get("roles") ?? "*");
    world.s.addFramework({
      id: arg(args, 0, "framework id"),
      roles,
      capabilities: { multiRole: args.flags.has("multi-role") },
      active: !args.flags.has("inactive"),
      suppressedRoles: list(args.named.get("suppressed")),
    });
    return [];
  },
  "update-framework": (world, args) => {
    const roles = args.named.get("roles");
    const active = args.named.get("active");
    const multiRole = args.named.get("multi-role");
    world.s.updateFramework(arg(args, 0, "framework id"), {
      roles: roles === undefined ? undefined : list(roles),
      capabilities: multiRole === undefined ? undefined : { multiRole: bool(multiRole, false) },
      active: active === undefined ? undefined : bool(active, true),
    });
    return [];
  },
  "remove-framework": (world, args) => world.s.removeFramework(arg(args, 0, "framework id")).map((o) => `dropped ${o.offerId}`),
  weight: (world, args) => {
    for (const [role, weight] of args.named) world.s.setWeight(role, Number(weight));
    return [];
  },
  quota: (world, args) => {
    const limits = arg(args, 1, "limits");
    world.s.setQuota(arg(args, 0, "role"), limits === "none" ? undefined : parseResources(limits));
    return [];
  },
  "max-oversubscription": (world, args) => {
    world.maxOversubscription = Number(arg(args, 0, "factor"));
    return [];
  },
  inactive: (world, args) => {
    for (const role of args.positional) world.inactive.add(role);
    return [];
  },
  active: (world, args) => {
    for (const role of args.positional) world.inactive.delete(role);
    return [];
  },
  decline: (world, args) => {
    for (const offer of world.offersOf(arg(args, 0, "framework"), args.positional[1], args.named.get("role"))) {
      world.s.removeOffer(offer.offerId);
      world.filter(offer, offer.resources, args.named.get("refuse"));
    }
    return [];
  },
  accept: (world, args) => {
    const usedText = args.named.get("used");
    for (const offer of world.offersOf(arg(args, 0, "framework"), args.positional[1], args.named.get("role"))) {
      const used = usedText === undefined ? offer.resources : parseResources(usedText);
      world.s.acceptOffer(offer.offerId, used);
      world.filter(offer, offer.resources.minus(used), args.named.get("refuse"));
    }
    return [];
  },
  recover: (world, args) => {
    world.s.recover(arg(args, 0, "framework"), arg(args, 1, "agent"), arg(args, 2, "role"), parseResources(arg(args, 3, "resources")));
    return [];
  },
  suppress: (world, args) => {
    const [id, ...roles] = args.positional;
    world.s.suppress(id ?? "", roles.length > 0 ? roles : undefined);
    return [];
  },
  unsuppress: (world, args) => {
    const [id, ...roles] = args.positional;
    world.s.unsuppress(id ?? "", roles.length > 0 ? roles : undefined);
    return [];
  },
  revive: (world, args) => {
    const [id, ...roles] = args.positional;
    world.s.revive(id ?? "", roles.length > 0 ? roles : undefined);
    return [];
  },
  advance: (world, args) => {
    const deltaMs = Number(arg(args, 0, "milliseconds"));
    if (!(deltaMs >= 0)) throw new Error(`bad advance ${deltaMs}`);
    world.nowMs += deltaMs;
    return [];
  },
  allocate: runAllocate,
  offers: (world) => {
    const offers = world.s.outstandingOffers();
    if (offers.length === 0) return ["no offers"];
    return offers.map((o) => `${o.offerId} ${o.frameworkId} ${o.agentId} ${o.role} ${o.resources}`);
  },
  agents: (world) =>
    world.s.view(world.seed, world.inactive, world.maxOversubscription).agents.map((a) => {
      const cap = cpusCapThousandths(a.physicalCpus, world.maxOversubscription) / 1000;
      const available = a.available.isEmpty() ? "nothing" : a.available.toText();
      return `${a.id} available=${available} cpus-in-use=${a.cpusInUseThousandths / 1000} cap=${cap}${a.offerable ? "" : " not-offerable"}`;
    }),
  filters: (world) => {
    const view = world.s.view(world.seed, world.inactive, world.maxOversubscription);
    const out: string[] = [];
    for (const filters of view.filtersByAgent.values()) {
      for (const f of filters) {
        if (world.nowMs < f.expiresAtMs) out.push(`${f.frameworkId} ${f.agentId} ${f.role} refused=${f.refused} until=${f.expiresAtMs}`);
      }
    }
    return out.length === 0 ? ["no filters"] : out;
  },
};

function runDirective(world: World, line: string): string[] {
  const [name, ...rest] = line.trim().split(/\s+/);
  const command = commands[name ?? ""];
  if (command === undefined) throw new Error(`unknown command '${name}'`);
  try {
    return command(world, parseArgs(rest));
  } catch (error) {
    return [`error: ${error instanceof Error ? error.message : String(error)}`];
  }
}

function runScript(file: string): void {
  const path = join(testdataDir, file);
  const blocks = parseScript(readFileSync(path, "utf8"));
  const world = new World();
  const outputs = new Map<Directive, string[]>();
  for (const block of blocks) {
    if (block.kind !== "directive") continue;
    const output = runDirective(world, block.line);
    outputs.set(block, output);
    if (rewrite) continue;
    const where = `${file}:${block.lineNo}: ${block.line}`;
    expect({ where, output: output.join("\n") }).toEqual({ where, output: (block.expected ?? []).join("\n") });
  }
  if (rewrite) writeFileSync(path, renderScript(blocks, outputs));
}

describe("allocator scripts", () => {
  const files = readdirSync(testdataDir).filter((name) => name.endsWith(".txt")).sort();
  test("there are scenarios", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) test(file, () => runScript(file));
});

test("script parser keeps comments and expected blocks", () => {
  const text = "# c\nagent a cpus:1\n\nallocate\n----\noffer x\nmore\n\nagents\n----\nz\n";
  const blocks = parseScript(text);
  expect(blocks.map((b) => b.kind)).toEqual(["text", "directive", "text", "directive", "text", "directive"]);
  const outputs = new Map<Directive, string[]>();
  for (const b of blocks) if (b.kind === "directive") outputs.set(b, b.expected ?? []);
  expect(renderScript(blocks, outputs)).toBe(text);
});
