// The per-task supervisor: a few lines of POSIX sh the agent starts detached, so a task outlives
// the agent. It starts the task in a new session, records pids, waits, and writes the status.
// This file only builds strings and argument vectors; launch.ts spawns them. Pure.

import { assert } from "../../runtime/index.ts";
import type { CommandInfo } from "../../wire/index.ts";

/** Absolute paths of the tools the supervisor uses, found once at construction. */
export interface SupervisorTools {
  sh: string;
  setsid: string;
  env: string;
  /** Only needed to run tasks as another user. */
  setpriv: string | null;
  /** Only needed when argv[0] differs from the program (shell: false); perl is Essential on Debian. */
  perl: string | null;
}

const safeToolPath = /^\/[A-Za-z0-9_./-]+$/;

/**
 * `$1` is the container's meta dir; the wrapper (the task's first shape) gets all arguments. It
 * joins the cgroups (it writes its own pid, then execs, so the task and all it forks are inside
 * before the first instruction of the command), enters the sandbox, and only then records
 * "<task pid> <supervisor pid>" in `pids`: once launch() has read that line the task is a session
 * and group leader inside its cgroups, so an immediate kill reaches it.
 *
 * Notes on dash: an `&` job in a non-interactive shell starts with SIGINT and SIGQUIT ignored and
 * stdin on /dev/null; the chain begins with `env --default-signal` to give the task default
 * dispositions back. The supervisor ignores HUP/INT/QUIT/TERM/PIPE only after the task has forked,
 * so the task never inherits those. IFS is pinned because the supervisor runs in the task's
 * environment, which may set it.
 */
export function supervisorScript(tools: SupervisorTools): string {
  for (const tool of [tools.sh, tools.setsid]) {
    assert(safeToolPath.test(tool), `supervisor tool path must be plain and absolute: ${tool}`);
  }
  const wrapper = [
    "m=$1; n=$2; shift 2",
    'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done',
    'cd "$1" || exit 125; shift',
    'echo "$$ $PPID" > "$m/pids" || exit 125',
    'exec "$@"',
  ].join("; ");
  return [
    "IFS=' '",
    "m=$1",
    `${tools.setsid} ${tools.sh} -c '${wrapper}' cluster-task "$@" &`,
    "t=$!",
    "trap '' HUP INT QUIT TERM PIPE",
    'wait "$t"',
    "s=$?",
    // One write(2) of a newline-terminated line: a reader that sees the newline sees all of it,
    // which is what tmp + mv would give, without forking mv (~2 ms per task on a small VM).
    'echo "$s" > "$m/status"',
  ].join("\n");
}

/** Variables dash changes or drops on the way through (see supervisor.test.ts); restored by env. */
const shellManagedNames = ["PWD", "OLDPWD", "OPTIND", "PPID", "IFS"] as const;
const shellNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TaskChainInput {
  command: CommandInfo;
  env: Record<string, string>;
  /** Numeric ids to switch to; absent: stay the agent's user. */
  runAs?: { uid: number; gid: number };
}

/**
 * The argv the wrapper execs: `env` (default signal dispositions, the spec's environment exactly),
 * then `setpriv` to switch user, then the command: `/bin/sh -c value` for shell commands, or the
 * program with `arguments` as its argv (argv[0] = arguments[0], as Mesos does).
 */
export function buildTaskChain(input: TaskChainInput, tools: SupervisorTools): string[] {
  const chain: string[] = [tools.env, "--default-signal"];
  const assignments: string[] = [];
  for (const name of shellManagedNames) {
    const value = input.env[name];
    if (value === undefined) chain.push("-u", name);
    else assignments.push(`${name}=${value}`);
  }
  for (const [name, value] of Object.entries(input.env)) {
    if (!shellNamePattern.test(name)) assignments.push(`${name}=${value}`);
  }
  chain.push("--", ...assignments);
  if (input.runAs !== undefined) {
    assert(tools.setpriv !== null, "switching user needs setpriv");
    chain.push(tools.setpriv, `--reuid=${input.runAs.uid}`, `--regid=${input.runAs.gid}`, "--init-groups");
  }
  chain.push(...commandArgv(input.command, tools));
  return chain;
}

const perlExec = 'my $p = shift; exec {$p} @ARGV or do { print STDERR "exec $p: $!\\n"; exit 127 }';

function commandArgv(command: CommandInfo, tools: SupervisorTools): string[] {
  const value = command.value ?? "";
  assert(value.length > 0, "command.value must not be empty");
  if (command.shell !== false) return [tools.sh, "-c", value];
  const args = command.arguments ?? [];
  const argv0 = args[0] ?? value;
  // env would read a first word containing '=' as an assignment, and only perl can set an argv[0]
  // that differs from the program.
  const direct = argv0 === value && !value.includes("=");
  if (direct || tools.perl === null) return [value, ...args.slice(1)];
  return [tools.perl, "-e", perlExec, value, argv0, ...args.slice(1)];
}

/** Everything after the script: meta dir, then the wrapper's own arguments. */
export function buildSupervisorArgs(input: {
  containerMetaDir: string;
  procsFiles: readonly string[];
  sandboxDir: string;
  chain: readonly string[];
}): string[] {
  return [input.containerMetaDir, String(input.procsFiles.length), ...input.procsFiles, input.sandboxDir, ...input.chain];
}
