import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSupervisorArgs, buildTaskChain, environmentPassesThrough, plainCommandWords, supervisorScript, type SupervisorTools } from "./supervisor.ts";

const tools: SupervisorTools = { sh: "/bin/sh", env: "/usr/bin/env", setpriv: "/usr/bin/setpriv", perl: "/usr/bin/perl" };
const unsets = ["-u", "PWD", "-u", "OLDPWD", "-u", "OPTIND", "-u", "PPID", "-u", "IFS", "-u", "m", "-u", "n", "-u", "p", "-u", "s"];

test("a shell command with a plain environment runs as /bin/sh -c value, without env", () => {
  expect(buildTaskChain({ command: { value: "echo hi" }, env: { PATH: "/bin", MESOS_TASK_ID: "t" } }, tools)).toEqual(["/bin/sh", "-c", "echo hi"]);
  expect(environmentPassesThrough({ command: { value: "x" }, env: { PATH: "/bin" } })).toBe(true);
});

test("a command the shell would only split into words is exec'd as those words", () => {
  expect(buildTaskChain({ command: { value: "true" }, env: { PATH: "/bin" } }, tools)).toEqual(["true"]);
  expect(buildTaskChain({ command: { value: " sleep  1.5 " }, env: { PATH: "/bin" } }, tools)).toEqual(["sleep", "1.5"]);
  expect(plainCommandWords("/usr/bin/python3 -m http.server --bind=127.0.0.1 8000")).toEqual(["/usr/bin/python3", "-m", "http.server", "--bind=127.0.0.1", "8000"]);
  const shellNeeded = ["echo hi", "exit 3", "cd /tmp", "A=1 env", "ls *", "sleep 1 && true", "sleep 1; true", "cat > out", "echo $HOME", "ls 'a b'", "if", "x\\y", "ls ~", "a\tb", "sleep 1 &", "-x", "kill 1", "pwd"];
  for (const value of shellNeeded) expect(plainCommandWords(value)).toBeNull();
});

test("the words exec'd directly behave as under /bin/sh -c: output, PATH lookup, environment, exit status, not found", () => {
  const dir = mkdtempSync(join(tmpdir(), "plain-"));
  try {
    const run = (chain: string[]) => {
      const result = Bun.spawnSync({ cmd: ["/bin/sh", "-c", '(cd "$0" || exit 125; unset OLDPWD; exec "$@")', dir, ...chain], env: { PATH: "/usr/bin:/bin", MESOS_TASK_ID: "t" }, stdio: ["ignore", "pipe", "pipe"] });
      return { out: result.stdout.toString(), code: result.exitCode };
    };
    for (const value of ["env", "false", "true", "seq 3", "no-such-program-xyz", "ls ."]) {
      const direct = buildTaskChain({ command: { value }, env: { PATH: "/usr/bin:/bin" } }, tools);
      expect(direct).not.toContain("/bin/sh");
      expect(run(direct)).toEqual(run(["/bin/sh", "-c", value]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("env restores defaults when the environment would not pass through dash unchanged, and for programs", () => {
  expect(buildTaskChain({ command: { shell: false, value: "/bin/echo" }, env: { PATH: "/bin" } }, tools)).toEqual([
    "/usr/bin/env", "--default-signal", ...unsets, "--", "/bin/echo",
  ]);
  const envs: Array<Record<string, string>> = [{ OPTIND: "9" }, { "odd-name": "1" }, { m: "mine" }, { PWD: "/x" }];
  for (const env of envs) {
    expect(environmentPassesThrough({ command: { value: "x" }, env })).toBe(false);
    expect(buildTaskChain({ command: { value: "x" }, env }, tools)[0]).toBe("/usr/bin/env");
  }
});

test("shell:false runs the program with arguments as argv; perl only when argv[0] differs", () => {
  expect(buildTaskChain({ command: { shell: false, value: "/bin/echo", arguments: ["/bin/echo", "a"] }, env: {} }, tools).slice(-2)).toEqual(["/bin/echo", "a"]);
  expect(buildTaskChain({ command: { shell: false, value: "/bin/echo" }, env: {} }, tools).slice(-1)).toEqual(["/bin/echo"]);
  const renamed = buildTaskChain({ command: { shell: false, value: "/bin/echo", arguments: ["echo", "a"] }, env: {} }, tools);
  expect(renamed).toContain("/usr/bin/perl");
  expect(renamed.slice(-3)).toEqual(["/bin/echo", "echo", "a"]);
});

test("variables the shell would change or drop are passed to env explicitly", () => {
  const chain = buildTaskChain({ command: { value: "true" }, env: { PWD: "/given", IFS: ":", "odd-name": "1", PATH: "/bin", n: "7" } }, tools);
  const dashDash = chain.indexOf("--");
  expect(chain.slice(2, dashDash)).toEqual(["-u", "OLDPWD", "-u", "OPTIND", "-u", "PPID", "-u", "m", "-u", "p", "-u", "s"]);
  expect(chain.slice(dashDash + 1, dashDash + 5)).toEqual(["PWD=/given", "IFS=:", "n=7", "odd-name=1"]);
});

test("a user switch goes through setpriv with numeric ids", () => {
  const chain = buildTaskChain({ command: { value: "id -un && true" }, env: {}, runAs: { uid: 65534, gid: 65534 } }, tools);
  expect(chain.slice(chain.indexOf("/usr/bin/setpriv"), -3)).toEqual(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--init-groups"]);
});

test("supervisor arguments: meta file, procs files with their count, sandbox, chain", () => {
  expect(buildSupervisorArgs({ containerMetaFile: "/m/c", procsFiles: ["/cg/a", "/cg/b"], sandboxDir: "/s", chain: ["x", "y"] })).toEqual(["/m/c", "2", "/cg/a", "/cg/b", "/s", "x", "y"]);
});

test("the script parses in dash and names no tool (they come as arguments)", () => {
  const script = supervisorScript();
  const check = Bun.spawnSync({ cmd: ["/bin/sh", "-n", "-c", script], stdio: ["ignore", "pipe", "pipe"] });
  expect(check.stderr.toString()).toBe("");
  expect(check.exitCode).toBe(0);
  expect(script).not.toContain("/usr/");
});

test("the task is a subshell of the supervisor: its own pid and the supervisor's in pids, default signals, status after trapped signals", async () => {
  const dir = mkdtempSync(join(tmpdir(), "supervisor-"));
  try {
    const metaFile = join(dir, "meta");
    const args = buildSupervisorArgs({ containerMetaFile: metaFile, procsFiles: [], sandboxDir: dir, chain: ["/bin/sh", "-c", "grep SigIgn /proc/$$/status > out; sleep 0.3; exit 7"] });
    const child = Bun.spawn({ cmd: ["/bin/sh", "-c", supervisorScript(), "sup", ...args], env: { PATH: "/usr/bin:/bin" }, stdio: ["ignore", "inherit", "inherit"], detached: true });
    while (!existsSync(join(dir, "out"))) await Bun.sleep(5);
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.kill(child.pid, signal);
    await child.exited;
    const [pidsLine, status] = readFileSync(metaFile, "utf8").trim().split("\n");
    const [word, taskPid, supervisorPid] = pidsLine!.split(" ");
    expect(word).toBe("pids");
    expect(Number(supervisorPid)).toBe(child.pid);
    expect(Number(taskPid)).not.toBe(child.pid);
    expect(readFileSync(join(dir, "out"), "utf8")).toBe("SigIgn:\t0000000000000000\n");
    expect(status).toBe("exit 7");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("why the env fix-ups exist: dash changes PWD, OPTIND, PPID and IFS and drops odd names", () => {
  const env = { PATH: "/usr/bin:/bin", OPTIND: "9", PPID: "5", IFS: ":", "odd-name": "1" };
  const out = Bun.spawnSync({ cmd: ["/bin/sh", "-c", "cd /; exec /usr/bin/env"], env, stdio: ["ignore", "pipe", "pipe"] }).stdout.toString();
  expect(out).not.toContain("OPTIND=9");
  expect(out).not.toContain("odd-name=1");
  expect(out).toContain("PWD=/");
});
