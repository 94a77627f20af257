import { FlagError, type EffectiveFlag, type FlagDef, type FlagValue, type Mode } from "./types.ts";

/** The parsed, effective flags of one mode. Accessors assert the kind, since a mismatch is our bug. */
export class Flags {
  constructor(
    readonly mode: Mode,
    private readonly effective: ReadonlyMap<string, EffectiveFlag>,
  ) {}

  has(name: string): boolean {
    return this.lookup(name).value !== undefined;
  }

  string(name: string): string {
    const value = this.optString(name);
    if (value === undefined) throw new FlagError(`flag --${name} is required`);
    return value;
  }

  optString(name: string): string | undefined {
    const value = this.lookup(name).value;
    if (value !== undefined && typeof value !== "string") throw new Error(`flag --${name} is not a string`);
    return value;
  }

  number(name: string): number {
    const value = this.optNumber(name);
    if (value === undefined) throw new FlagError(`flag --${name} is required`);
    return value;
  }

  optNumber(name: string): number | undefined {
    const value = this.lookup(name).value;
    if (value !== undefined && typeof value !== "number") throw new Error(`flag --${name} is not a number`);
    return value;
  }

  bool(name: string): boolean {
    const value = this.lookup(name).value;
    if (typeof value !== "boolean") throw new Error(`flag --${name} is not a boolean`);
    return value;
  }

  /**
   * These flags, plus the defaults of `table`'s flags this mode does not define. Dev mode has few
   * flags of its own and borrows the agent's and cron's defaults this way, so they cannot drift.
   */
  withDefaultsFrom(table: readonly FlagDef[]): Flags {
    const merged = new Map(this.effective);
    for (const def of table) {
      if (!merged.has(def.name)) merged.set(def.name, { def, value: def.default, source: "default" });
    }
    return new Flags(this.mode, merged);
  }

  entries(): EffectiveFlag[] {
    return [...this.effective.values()];
  }

  private lookup(name: string): EffectiveFlag {
    const flag = this.effective.get(name);
    if (!flag) throw new Error(`flag --${name} is not defined for mode ${this.mode}`);
    return flag;
  }
}

export function defByName(defs: readonly FlagDef[], name: string): FlagDef | undefined {
  return defs.find((def) => def.name === name);
}

export type { FlagValue };
