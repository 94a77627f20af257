// The per-task supervisor: a few lines of POSIX sh the agent starts detached, so a task outlives
// the agent. It starts the task in a new session, records pids, waits, and writes the status.
// This file only builds strings and argument vectors; spawn.ts spawns them. Pure.

import { assert } from "../../runtime/index.ts";
import type { CommandInfo } from "../../wire/index.ts";

/** Absolute paths of the tools the supervisor uses, found once at construction. */
export interface SupervisorTools {
  sh: string;
  env: string;
  /** Only needed to run tasks as another user. */
  setpriv: string | null;
  /** Only needed when argv[0] differs from the program (shell: false); perl is Essential on Debian. */
  perl: string | null;
}

/**
 * Names the supervisor script assigns. The supervisor runs in the task's environment, so a task
 * variable of one of these names would be changed on its way to the task; buildTaskChain then
 * restores it through env.
 */
const scriptVariableNames = ["IFS", "m", "n", "p", "s"] as const;

/**
 * `$1` is the container's meta file (meta.ts), `$2` the number of cgroup procs files that follow,
 * then the sandbox, then the argv to exec. The agent spawns the supervisor in a session of its own
 * (so it and everything of the task form one session and one process group, apart from the agent
 * and every other task). The supervisor forks the task as a foreground subshell (a fork of dash,
 * no exec) and waits for it; the subshell joins the cgroups by writing 0 (the writer itself) to
 * each procs file, learns its own pid from /proc/self, enters the sandbox, appends "pids <task
 * pid> <supervisor pid>" to the meta file and execs the command: everything the command forks is
 * born inside the cgroups, and nothing but the command is exec'd. (The task once exec'd setsid to
 * lead a session of its own; on this kind of VM every exec costs about a millisecond of CPU, and
 * the group the supervisor leads serves as well: the agent signals the group, whose leader traps
 * the signals it sends, and SIGKILLs the rest of the session without the supervisor.)
 *
 * Signals: the supervisor traps with a no-op the signals a group-wide kill or a terminal sends,
 * and those a task might send its own group (it must live to write the status); a subshell resets
 * trapped signals to their defaults and a foreground one gets no SIGINT/SIGQUIT ignores (dash gives
 * those to `&` jobs only), so the task starts with default dispositions without `env
 * --default-signal`. IFS is pinned because the supervisor runs in the task's environment, which
 * may set it.
 */
export function supervisorScript(): string {
  return [
    "IFS=' '",
    "m=$1; n=$2; shift 2",
    "trap : HUP INT QUIT TERM PIPE USR1 USR2 ALRM",
    "(",
    '  while [ "$n" -gt 0 ]; do echo 0 > "$1" || exit 125; shift; n=$((n - 1)); done',
    "  cd -P /proc/self || exit 125",
    "  p=${PWD##*/}",
    '  cd "$1" || exit 125; shift',
    "  unset OLDPWD",
    '  echo "pids $p $$" >> "$m" || exit 125',
    '  exec "$@"',
    ")",
    "s=$?",
    // One write(2) of a newline-terminated line: a reader that sees the newline sees all of it,
    // which is what tmp + mv would give, without forking mv or making an inode.
    'echo "exit $s" >> "$m"',
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
 * Whether the task's environment reaches a shell command unchanged without env's help: every
 * name is a shell identifier and none is one dash or the supervisor sets. (`/bin/sh -c` sets PWD
 * itself, to the sandbox, whatever comes before it.) Program commands (shell: false) always go
 * through env, since nothing after the supervisor would set PWD for them.
 */
export function environmentPassesThrough(input: TaskChainInput): boolean {
  if (input.command.shell === false) return false;
  const reserved = new Set<string>([...shellManagedNames, ...scriptVariableNames]);
  return Object.keys(input.env).every((name) => shellNamePattern.test(name) && !reserved.has(name));
}

/**
 * The argv the supervisor's subshell execs: (unless the environment passes through unchanged)
 * `env` with the spec's environment fixed up exactly, then `setpriv` to switch user,
 * then the command: `/bin/sh -c value` for shell commands (or just the words, when that is all
 * the shell would make of them: plainCommandWords), or the program with `arguments` as its argv
 * (argv[0] = arguments[0], as Mesos does).
 */
export function buildTaskChain(input: TaskChainInput, tools: SupervisorTools): string[] {
  const chain: string[] = [];
  if (!environmentPassesThrough(input)) chain.push(...envFixups(input.env, tools));
  if (input.runAs !== undefined) {
    assert(tools.setpriv !== null, "switching user needs setpriv");
    chain.push(tools.setpriv, `--reuid=${input.runAs.uid}`, `--regid=${input.runAs.gid}`, "--init-groups");
  }
  chain.push(...commandArgv(input.command, tools));
  return chain;
}

/** `env` resetting every signal and restoring the variables dash or the supervisor would change. */
function envFixups(env: Record<string, string>, tools: SupervisorTools): string[] {
  const args: string[] = [tools.env, "--default-signal"];
  const assignments: string[] = [];
  const names = new Set<string>([...shellManagedNames, ...scriptVariableNames]);
  for (const name of names) {
    const value = env[name];
    if (value === undefined) args.push("-u", name);
    else assignments.push(`${name}=${value}`);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!shellNamePattern.test(name)) assignments.push(`${name}=${value}`);
  }
  return [...args, "--", ...assignments];
}

const perlExec = 'my $p = shift; exec {$p} @ARGV or do { print STDERR "exec $p: $!\\n"; exit 127 }';

/** Characters that mean nothing to the shell outside quotes: no expansion, quoting, globbing or redirection. */
const plainWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * dash's builtins and reserved words, which a direct exec would not find or would run with other
 * semantics (`exit 3`, `cd x`, `echo -e`, `pwd` logical vs physical, ...). `true` and `false` are
 * not here: /usr/bin/true and /usr/bin/false do exactly what the builtins do.
 */
const shellOnlyWords = new Set([
  ".", ":", "[", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo", "eval", "exec", "exit", "export", "fc", "fg", "getopts",
  "hash", "jobs", "kill", "local", "printf", "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "type", "ulimit",
  "umask", "unalias", "unset", "wait", "!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while", "{", "}",
]);

/**
 * The argv `/bin/sh -c value` would exec, when the shell would do nothing else: words of plain
 * characters separated by spaces, the first neither an assignment, an option, nor a shell-only
 * word. Null otherwise. Skipping the shell saves an exec per task (on this kind of VM each exec of
 * a dynamically linked program costs ~0.3 ms of CPU), and the task sees the same argv, PATH
 * lookup, environment (PWD included: the supervisor's subshell has cd'd) and exit status (127
 * when the program is not found).
 */
export function plainCommandWords(value: string): string[] | null {
  const words = value.trim().split(/ +/);
  if (words.length === 0 || !words.every((word) => plainWord.test(word))) return null;
  const first = words[0]!;
  if (first.includes("=") || first.startsWith("-") || shellOnlyWords.has(first)) return null;
  return words;
}

function commandArgv(command: CommandInfo, tools: SupervisorTools): string[] {
  const value = command.value ?? "";
  assert(value.length > 0, "command.value must not be empty");
  if (command.shell !== false) return plainCommandWords(value) ?? [tools.sh, "-c", value];
  const args = command.arguments ?? [];
  const argv0 = args[0] ?? value;
  // env would read a first word containing '=' as an assignment, and only perl can set an argv[0]
  // that differs from the program.
  const direct = argv0 === value && !value.includes("=");
  if (direct || tools.perl === null) return [value, ...args.slice(1)];
  return [tools.perl, "-e", perlExec, value, argv0, ...args.slice(1)];
}

/** Everything after the script: meta file, procs files with their count, sandbox, then the argv to exec. */
export function buildSupervisorArgs(input: {
  containerMetaFile: string;
  procsFiles: readonly string[];
  sandboxDir: string;
  chain: readonly string[];
}): string[] {
  return [input.containerMetaFile, String(input.procsFiles.length), ...input.procsFiles, input.sandboxDir, ...input.chain];
}
