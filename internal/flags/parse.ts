// Command line > environment (CLUSTER_X, then MESOS_X) > --config file > default, as the
// foundation issue asks. Every failure is a FlagError whose message names the flag and what
// was expected; cmd/cluster.ts prints it on one line and exits 2.

import { readFileSync } from "node:fs";
import { flagTable } from "./tables.ts";
import { Flags } from "./flags.ts";
import { parseBytes, parseDurationMs } from "./units.ts";
import { FlagError, modes, type EffectiveFlag, type FlagDef, type FlagValue, type Mode } from "./types.ts";

export type ParseOutcome =
  | { kind: "run"; flags: Flags }
  | { kind: "help"; mode: Mode | undefined }
  | { kind: "version" };

export interface ParseInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

/** Upper bound on a --config file; a larger one is surely a mistake. */
const configFileBytesMax = 1024 * 1024;

interface RawFlag {
  name: string;
  value: string | undefined;
  negated: boolean;
}

export function parseCommandLine(input: ParseInput): ParseOutcome {
  const raw = tokenize(input.argv);
  const mode = findMode(raw, input.env);
  if (raw.some((flag) => flag.name === "version")) return { kind: "version" };
  if (raw.some((flag) => flag.name === "help")) return { kind: "help", mode };
  if (mode === undefined) {
    throw new FlagError(`missing flag --mode: expected one of ${modes.join(", ")}`);
  }
  const defs = flagTable(mode);
  const cli = bindCommandLine(raw, defs, mode);
  const configPath = cli.get("config") ?? envValue(input.env, "config");
  const fromConfig = configPath === undefined ? new Map<string, unknown>() : readConfig(configPath, defs, mode, input.readFile);
  const effective = new Map<string, EffectiveFlag>();
  for (const def of defs) {
    effective.set(def.name, resolveOne(def, cli, input.env, fromConfig));
  }
  return { kind: "run", flags: new Flags(mode, effective) };
}

/** Splits argv into flags; `--name value` pairs are joined later, once the flag's kind is known. */
function tokenize(argv: readonly string[]): RawFlag[] {
  const out: RawFlag[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith("--") || token === "--") {
      const previous = out[out.length - 1];
      if (previous && previous.value === undefined && !previous.negated) {
        previous.value = token;
        continue;
      }
      throw new FlagError(`unexpected argument '${token}': flags take the form --name=value`);
    }
    const body = token.slice(2);
    const eq = body.indexOf("=");
    const rawName = eq === -1 ? body : body.slice(0, eq);
    const name = rawName.replaceAll("-", "_");
    const value = eq === -1 ? undefined : body.slice(eq + 1);
    if (value === undefined && name.startsWith("no_")) {
      out.push({ name: name.slice(3), value: undefined, negated: true });
    } else {
      out.push({ name, value, negated: false });
    }
  }
  return out;
}

function findMode(raw: RawFlag[], env: ParseInput["env"]): Mode | undefined {
  const flag = raw.find((f) => f.name === "mode");
  const text = flag ? flag.value : envValue(env, "mode");
  if (text === undefined) return undefined;
  if (!(modes as readonly string[]).includes(text)) {
    throw new FlagError(`bad value for flag --mode: expected one of ${modes.join(", ")}, got '${text}'`);
  }
  return text as Mode;
}

/**
 * Binds raw flags to definitions. A boolean flag never swallows the next token as its value:
 * `--quiet --port 5` means quiet=true. A non-boolean flag given bare (the tokenizer may already
 * have attached the next word) must have a value.
 */
function bindCommandLine(raw: RawFlag[], defs: readonly FlagDef[], mode: Mode): Map<string, string> {
  const bound = new Map<string, string>();
  for (const flag of raw) {
    if (flag.name === "help" || flag.name === "version") continue;
    const def = defs.find((d) => d.name === flag.name);
    if (!def) {
      throw new FlagError(`unknown flag --${flag.name} for mode ${mode} (see --mode=${mode} --help)`);
    }
    if (bound.has(def.name)) throw new FlagError(`flag --${def.name} is given more than once`);
    bound.set(def.name, bareValue(flag, def));
  }
  return bound;
}

function bareValue(flag: RawFlag, def: FlagDef): string {
  if (def.kind === "boolean") {
    if (flag.negated) return "false";
    return flag.value ?? "true";
  }
  if (flag.negated) throw new FlagError(`flag --no-${def.name}: only boolean flags take the --no- form`);
  if (flag.value === undefined) throw new FlagError(`flag --${def.name} needs a value: expected ${describeKind(def)}`);
  return flag.value;
}

function envValue(env: ParseInput["env"], name: string): string | undefined {
  return envEntry(env, name)?.value;
}

/** CLUSTER_X wins over MESOS_X, which is accepted for people migrating from Mesos. */
function envEntry(env: ParseInput["env"], name: string): { variable: string; value: string } | undefined {
  const upper = name.toUpperCase().replaceAll("-", "_");
  for (const variable of [`CLUSTER_${upper}`, `MESOS_${upper}`]) {
    const value = env[variable];
    if (value !== undefined) return { variable, value };
  }
  return undefined;
}

function readConfig(
  path: string,
  defs: readonly FlagDef[],
  mode: Mode,
  readFile: ParseInput["readFile"],
): Map<string, unknown> {
  let text: string;
  try {
    text = (readFile ?? ((p) => readFileSync(p, "utf8")))(path);
  } catch (error) {
    throw new FlagError(`flag --config: cannot read '${path}': ${(error as Error).message}`);
  }
  if (text.length > configFileBytesMax) throw new FlagError(`flag --config: '${path}' is larger than ${configFileBytesMax} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FlagError(`flag --config: '${path}' is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FlagError(`flag --config: '${path}' must hold a JSON object of flag names to values`);
  }
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(parsed)) {
    const name = key.replaceAll("-", "_");
    if (name === "mode" && value === mode) continue;
    if (!defs.some((d) => d.name === name) || name === "config") {
      throw new FlagError(`flag --config: '${path}' sets unknown flag '${key}' for mode ${mode}`);
    }
    out.set(name, value);
  }
  return out;
}

function resolveOne(
  def: FlagDef,
  cli: Map<string, string>,
  env: ParseInput["env"],
  config: Map<string, unknown>,
): EffectiveFlag {
  const fromCli = cli.get(def.name);
  if (fromCli !== undefined) return { def, value: convert(def, fromCli, ""), source: "command line" };
  const fromEnv = envEntry(env, def.name);
  if (fromEnv !== undefined) {
    return { def, value: convert(def, fromEnv.value, ` (from environment ${fromEnv.variable})`), source: "environment" };
  }
  if (config.has(def.name)) {
    return { def, value: convertConfig(def, config.get(def.name)), source: "config file" };
  }
  if (def.required) throw new FlagError(`missing required flag --${def.name}: expected ${describeKind(def)}`);
  return { def, value: def.default, source: "default" };
}

function convertConfig(def: FlagDef, value: unknown): FlagValue {
  const where = " (from --config)";
  if (typeof value === "string") return convert(def, value, where);
  if (typeof value === "boolean" && def.kind === "boolean") return value;
  if (typeof value === "number" && ["integer", "number", "port"].includes(def.kind)) return convert(def, String(value), where);
  throw new FlagError(`bad value for flag --${def.name}${where}: expected ${describeKind(def)}, got ${JSON.stringify(value)}`);
}

/** Converts text to the flag's kind, or throws naming the flag and what was expected. */
export function convert(def: FlagDef, text: string, where: string): FlagValue {
  const value = convertKind(def, text);
  if (value === undefined) {
    throw new FlagError(`bad value for flag --${def.name}${where}: expected ${describeKind(def)}, got '${text}'`);
  }
  const problem = def.check?.(value);
  if (problem !== undefined) throw new FlagError(`bad value for flag --${def.name}${where}: ${problem}`);
  return value;
}

function convertKind(def: FlagDef, text: string): FlagValue | undefined {
  switch (def.kind) {
    case "string":
      return text;
    case "boolean":
      return parseBoolean(text);
    case "integer":
    case "port":
      return /^-?\d+$/.test(text.trim()) ? withinBounds(def, Number(text)) : undefined;
    case "number": {
      const trimmed = text.trim();
      const n = Number(trimmed);
      return trimmed !== "" && Number.isFinite(n) ? withinBounds(def, n) : undefined;
    }
    case "duration": {
      const parsed = parseDurationMs(text);
      return parsed.ok ? withinBounds(def, parsed.value) : undefined;
    }
    case "bytes": {
      const parsed = parseBytes(text);
      return parsed.ok ? withinBounds(def, parsed.value) : undefined;
    }
    case "enum":
      return def.choices?.find((choice) => choice.toLowerCase() === text.trim().toLowerCase());
  }
}

function parseBoolean(text: string): boolean | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === "true" || lower === "1" || lower === "yes") return true;
  if (lower === "false" || lower === "0" || lower === "no") return false;
  return undefined;
}

function withinBounds(def: FlagDef, n: number): number | undefined {
  const min = def.kind === "port" ? 0 : def.min;
  const max = def.kind === "port" ? 65535 : def.max;
  if (min !== undefined && n < min) return undefined;
  if (max !== undefined && n > max) return undefined;
  return n;
}

export function describeKind(def: FlagDef): string {
  const range = (what: string): string => {
    if (def.min !== undefined && def.max !== undefined) return `${what} from ${def.min} to ${def.max}`;
    if (def.min !== undefined) return `${what} of at least ${def.min}`;
    if (def.max !== undefined) return `${what} of at most ${def.max}`;
    return what;
  };
  switch (def.kind) {
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "integer":
      return range("an integer");
    case "number":
      return range("a number");
    case "port":
      return "a port number from 0 to 65535";
    case "duration":
      return range("a duration such as 200ms, 1secs, 5mins, 2hrs, 1weeks, 1s or 5m");
    case "bytes":
      return range("a byte size such as 512KB, 64MB or 1GB");
    case "enum":
      return `one of ${(def.choices ?? []).join(", ")}`;
  }
}
