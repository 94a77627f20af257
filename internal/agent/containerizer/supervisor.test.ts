import { expect, test } from "bun:test";
import { buildSupervisorArgs, buildTaskChain, supervisorScript, type SupervisorTools } from "./supervisor.ts";

const tools: SupervisorTools = { sh: "/bin/sh", setsid: "/usr/bin/setsid", env: "/usr/bin/env", setpriv: "/usr/bin/setpriv", perl: "/usr/bin/perl" };
const unsets = ["-u", "PWD", "-u", "OLDPWD", "-u", "OPTIND", "-u", "PPID", "-u", "IFS"];

test("a shell command runs as /bin/sh -c value after env restores defaults", () => {
  expect(buildTaskChain({ command: { value: "echo hi" }, env: { PATH: "/bin" } }, tools)).toEqual([
    "/usr/bin/env", "--default-signal", ...unsets, "--", "/bin/sh", "-c", "echo hi",
  ]);
});

test("shell:false runs the program with arguments as argv; perl only when argv[0] differs", () => {
  expect(buildTaskChain({ command: { shell: false, value: "/bin/echo", arguments: ["/bin/echo", "a"] }, env: {} }, tools).slice(-2)).toEqual(["/bin/echo", "a"]);
  expect(buildTaskChain({ command: { shell: false, value: "/bin/echo" }, env: {} }, tools).slice(-1)).toEqual(["/bin/echo"]);
  const renamed = buildTaskChain({ command: { shell: false, value: "/bin/echo", arguments: ["echo", "a"] }, env: {} }, tools);
  expect(renamed).toContain("/usr/bin/perl");
  expect(renamed.slice(-3)).toEqual(["/bin/echo", "echo", "a"]);
});

test("variables the shell would change or drop are passed to env explicitly", () => {
  const chain = buildTaskChain({ command: { value: "true" }, env: { PWD: "/given", IFS: ":", "odd-name": "1", PATH: "/bin" } }, tools);
  const dashDash = chain.indexOf("--");
  expect(chain.slice(2, dashDash)).toEqual(["-u", "OLDPWD", "-u", "OPTIND", "-u", "PPID"]);
  expect(chain.slice(dashDash + 1, dashDash + 4)).toEqual(["PWD=/given", "IFS=:", "odd-name=1"]);
});

test("a user switch goes through setpriv with numeric ids", () => {
  const chain = buildTaskChain({ command: { value: "id" }, env: {}, runAs: { uid: 65534, gid: 65534 } }, tools);
  expect(chain.slice(chain.indexOf("/usr/bin/setpriv"), -3)).toEqual(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--init-groups"]);
});

test("supervisor arguments: meta dir, procs files with their count, sandbox, chain", () => {
  expect(buildSupervisorArgs({ containerMetaDir: "/m/c", procsFiles: ["/cg/a", "/cg/b"], sandboxDir: "/s", chain: ["x", "y"] })).toEqual(["/m/c", "2", "/cg/a", "/cg/b", "/s", "x", "y"]);
});

test("the script parses in dash and uses only the tools given", () => {
  const script = supervisorScript(tools);
  const check = Bun.spawnSync({ cmd: ["/bin/sh", "-n", "-c", script], stdio: ["ignore", "pipe", "pipe"] });
  expect(check.stderr.toString()).toBe("");
  expect(check.exitCode).toBe(0);
  expect(() => supervisorScript({ ...tools, setsid: "/usr/bin/setsid; rm -rf /" })).toThrow();
});

test("why the env fix-ups exist: dash changes PWD, OPTIND, PPID and IFS and drops odd names", () => {
  const env = { PATH: "/usr/bin:/bin", OPTIND: "9", PPID: "5", IFS: ":", "odd-name": "1" };
  const out = Bun.spawnSync({ cmd: ["/bin/sh", "-c", "cd /; exec /usr/bin/env"], env, stdio: ["ignore", "pipe", "pipe"] }).stdout.toString();
  expect(out).not.toContain("OPTIND=9");
  expect(out).not.toContain("odd-name=1");
  expect(out).toContain("PWD=/");
});
