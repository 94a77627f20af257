import { flagTable } from "./tables.ts";
import { formatBytes, formatDurationMs } from "./units.ts";
import { modes, type FlagDef, type Mode } from "./types.ts";

export const modeSummaries: Record<Mode, string> = {
  master: "Keeps the registry of agents and frameworks, allocates resources by hierarchical DRF and speaks the Mesos scheduler and operator HTTP APIs.",
  agent: "Advertises resources to the master and runs tasks as process groups in sandboxes.",
  "zk-lite": "A small ZooKeeper-compatible coordination server.",
  cron: "A Chronos-compatible job scheduler running as a framework.",
  dev: "Master, agent and cron in one process on 127.0.0.1, with state in a temporary directory.",
};

export function formatDefault(def: FlagDef): string | undefined {
  if (def.defaultText !== undefined) return def.defaultText;
  if (def.default === undefined) return undefined;
  if (def.kind === "duration" && typeof def.default === "number") return formatDurationMs(def.default);
  if (def.kind === "bytes" && typeof def.default === "number") return formatBytes(def.default);
  return String(def.default);
}

function valueHint(def: FlagDef): string {
  switch (def.kind) {
    case "boolean":
      return "";
    case "enum":
      return `=${(def.choices ?? []).join("|")}`;
    case "duration":
      return "=DURATION";
    case "bytes":
      return "=BYTES";
    case "integer":
    case "number":
    case "port":
      return "=N";
    case "string":
      return "=VALUE";
  }
}

function describe(def: FlagDef): string {
  const notes: string[] = [];
  if (def.required) notes.push("required");
  const shown = formatDefault(def);
  if (shown !== undefined) notes.push(`default: ${shown}`);
  if (def.kind === "boolean") notes.push(`--no-${def.name} to turn off`);
  return notes.length === 0 ? def.help : `${def.help} (${notes.join("; ")})`;
}

export function modeHelp(mode: Mode): string {
  const lines = [`Usage: cluster --mode=${mode} [flags]`, "", modeSummaries[mode], "", "Flags:"];
  for (const def of flagTable(mode)) {
    if (def.hidden === true) continue;
    lines.push(`  --${def.name}${valueHint(def)}`);
    lines.push(`      ${describe(def)}`);
  }
  lines.push(
    "",
    "Every flag can also be set in the environment as CLUSTER_<NAME> (MESOS_<NAME> is accepted too),",
    "for example CLUSTER_WORK_DIR=/var/lib/cluster. Command line > environment > --config file > default.",
    "Durations: 200ms, 1secs, 5mins, 2hrs, 1weeks (also 1s, 5m). Byte sizes: 512KB, 64MB, 1GB.",
  );
  return lines.join("\n");
}

export function generalHelp(): string {
  const lines = ["Usage: cluster --mode=MODE [flags]", "       cluster --mode=MODE --help", "       cluster --version", "", "Modes:"];
  for (const mode of modes) lines.push(`  ${mode.padEnd(8)} ${modeSummaries[mode]}`);
  return lines.join("\n");
}

/** The README's flag reference, generated so that README and flags cannot disagree. */
export function flagReferenceMarkdown(): string {
  const out: string[] = [];
  for (const mode of modes) {
    out.push(`### --mode=${mode}`, "", "| flag | default | meaning |", "|---|---|---|");
    for (const def of flagTable(mode)) {
      if (def.hidden === true) continue;
      const shown = formatDefault(def);
      const cell = def.required ? "*required*" : shown === undefined ? "" : `\`${shown}\``;
      out.push(`| \`--${def.name}\` | ${cell} | ${def.help.replaceAll("|", "\\|")} |`);
    }
    out.push("");
  }
  return out.join("\n").trimEnd();
}
