import { describe, expect, test } from "bun:test";
import { parseCommandLine } from "./parse.ts";
import { FlagError } from "./types.ts";
import type { Flags } from "./flags.ts";

function run(argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}): Flags {
  const outcome = parseCommandLine({
    argv,
    env,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error("ENOENT: no such file");
      return text;
    },
  });
  if (outcome.kind !== "run") throw new Error(`expected run, got ${outcome.kind}`);
  return outcome.flags;
}

function errorOf(argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}): string {
  try {
    run(argv, env, files);
  } catch (error) {
    expect(error).toBeInstanceOf(FlagError);
    return (error as Error).message;
  }
  throw new Error("expected a FlagError");
}

describe("command line forms", () => {
  test("--name=value and --name value", () => {
    const flags = run(["--mode=master", "--work_dir=/w", "--port", "6000", "--ip", "127.0.0.2"]);
    expect(flags.string("work_dir")).toBe("/w");
    expect(flags.number("port")).toBe(6000);
    expect(flags.string("ip")).toBe("127.0.0.2");
  });

  test("--mode value form and dashes in names", () => {
    const flags = run(["--mode", "agent", "--work-dir=/w", "--master=127.0.0.1:5050"]);
    expect(flags.mode).toBe("agent");
    expect(flags.string("work_dir")).toBe("/w");
  });

  test("booleans: bare, --no-, =false, and a bare boolean does not eat the next flag", () => {
    expect(run(["--mode=master", "--work_dir=/w", "--quiet"]).bool("quiet")).toBe(true);
    expect(run(["--mode=master", "--work_dir=/w", "--no-quiet"]).bool("quiet")).toBe(false);
    expect(run(["--mode=master", "--work_dir=/w", "--quiet=false"]).bool("quiet")).toBe(false);
    const flags = run(["--mode=master", "--quiet", "--work_dir", "/w"]);
    expect(flags.bool("quiet")).toBe(true);
    expect(flags.string("work_dir")).toBe("/w");
  });

  test("defaults apply", () => {
    const flags = run(["--mode=master", "--work_dir=/w"]);
    expect(flags.number("port")).toBe(5050);
    expect(flags.string("logging_level")).toBe("INFO");
    expect(flags.number("log_rotate_size")).toBe(64 * 1024 * 1024);
    expect(flags.optString("log_dir")).toBeUndefined();
    expect(run(["--mode=agent", "--work_dir=/w", "--master=h:1"]).number("port")).toBe(5051);
    expect(run(["--mode=zk-lite", "--data_dir=/d"]).number("admin_port")).toBe(8080);
  });

  test("enum values are case-insensitive and canonicalised", () => {
    expect(run(["--mode=master", "--work_dir=/w", "--logging_level=debug"]).string("logging_level")).toBe("DEBUG");
  });

  test("byte sizes", () => {
    expect(run(["--mode=master", "--work_dir=/w", "--log_rotate_size=1GB"]).number("log_rotate_size")).toBe(1024 ** 3);
  });

  test("help and version", () => {
    expect(parseCommandLine({ argv: ["--mode=master", "--help"], env: {} })).toEqual({ kind: "help", mode: "master" });
    expect(parseCommandLine({ argv: ["--help"], env: {} })).toEqual({ kind: "help", mode: undefined });
    expect(parseCommandLine({ argv: ["--version"], env: {} })).toEqual({ kind: "version" });
  });
});

describe("sources: command line > environment > config > default", () => {
  const files = { "/c.json": JSON.stringify({ work_dir: "/from-config", port: 7000, logging_level: "ERROR" }) };

  test("config file fills in", () => {
    const flags = run(["--mode=master", "--config=/c.json"], {}, files);
    expect(flags.string("work_dir")).toBe("/from-config");
    expect(flags.number("port")).toBe(7000);
  });

  test("environment beats config; CLUSTER_ beats MESOS_", () => {
    const flags = run(["--mode=master", "--config=/c.json"], { MESOS_WORK_DIR: "/mesos", CLUSTER_PORT: "7100" }, files);
    expect(flags.string("work_dir")).toBe("/mesos");
    expect(flags.number("port")).toBe(7100);
    expect(run(["--mode=master"], { MESOS_WORK_DIR: "/m", CLUSTER_WORK_DIR: "/c" }).string("work_dir")).toBe("/c");
  });

  test("command line beats environment", () => {
    const flags = run(["--mode=master", "--config=/c.json", "--work_dir=/cli"], { CLUSTER_WORK_DIR: "/env" }, files);
    expect(flags.string("work_dir")).toBe("/cli");
    expect(flags.string("logging_level")).toBe("ERROR");
  });

  test("mode from the environment", () => {
    expect(run([], { CLUSTER_MODE: "master", CLUSTER_WORK_DIR: "/w" }).mode).toBe("master");
  });
});

describe("errors name the flag and what was expected", () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ["unknown mode", ["--mode=boss"], {}, /--mode: expected one of master, agent, zk-lite, cron, dev, got 'boss'/],
    ["missing mode", ["--work_dir=/w"], {}, /missing flag --mode/],
    ["unknown flag", ["--mode=master", "--work_dir=/w", "--frobnicate=1"], {}, /unknown flag --frobnicate for mode master/],
    ["bad port", ["--mode=master", "--work_dir=/w", "--port=abc"], {}, /--port: expected a port number from 0 to 65535, got 'abc'/],
    ["port out of range", ["--mode=master", "--work_dir=/w", "--port=70000"], {}, /--port: expected a port number/],
    ["missing required", ["--mode=master"], {}, /missing required flag --work_dir/],
    ["value missing", ["--mode=master", "--work_dir"], {}, /--work_dir needs a value/],
    ["bad enum", ["--mode=master", "--work_dir=/w", "--logging_level=LOUD"], {}, /--logging_level: expected one of DEBUG, INFO, WARNING, ERROR/],
    ["bad bytes", ["--mode=master", "--work_dir=/w", "--log_rotate_size=lots"], {}, /--log_rotate_size: expected a byte size/],
    ["bad boolean", ["--mode=master", "--work_dir=/w", "--quiet=maybe"], {}, /--quiet: expected true or false, got 'maybe'/],
    ["--no- on non-boolean", ["--mode=master", "--no-work_dir"], {}, /only boolean flags take the --no- form/],
    ["positional", ["--mode=master", "--work_dir=/w", "--quiet", "extra", "more"], {}, /unexpected argument 'more'/],
    ["twice", ["--mode=master", "--work_dir=/w", "--port=1", "--port=2"], {}, /--port is given more than once/],
    ["bad env", ["--mode=master", "--work_dir=/w"], { CLUSTER_PORT: "x" }, /--port \(from environment CLUSTER_PORT\)/],
    ["bad zk", ["--mode=master", "--work_dir=/w", "--zk=http://x"], {}, /--zk: expected a URL of the form zk:\/\//],
    ["bad master", ["--mode=agent", "--work_dir=/w", "--master=nowhere"], {}, /--master: expected host:port/],
    ["bad resources", ["--mode=agent", "--work_dir=/w", "--master=h:1", "--resources=cpus:-1"], {}, /--resources: invalid resource 'cpus:-1': negative/],
    ["bad ranges", ["--mode=agent", "--work_dir=/w", "--master=h:1", "--resources=ports:[9-3]"], {}, /--resources: .*begin > end|--resources: .*9-3/],
    ["bad attributes", ["--mode=agent", "--work_dir=/w", "--master=h:1", "--attributes=rack"], {}, /--attributes: invalid attribute 'rack'/],
    ["bad default role", ["--mode=agent", "--work_dir=/w", "--master=h:1", "--default_role=-x"], {}, /--default_role: role '-x' must not start with '-'/],
  ];
  for (const [name, argv, env, pattern] of cases) {
    test(name, () => {
      const message = errorOf(argv, env);
      expect(message).toMatch(pattern);
      expect(message).not.toContain("\n");
    });
  }

  test("config file problems name the file and the key", () => {
    expect(errorOf(["--mode=master", "--config=/nope.json"])).toMatch(/--config: cannot read '\/nope.json'/);
    expect(errorOf(["--mode=master", "--config=/c.json"], {}, { "/c.json": "{ nope" })).toMatch(/not valid JSON/);
    expect(errorOf(["--mode=master", "--config=/c.json"], {}, { "/c.json": '{"wrk_dir":"/w"}' })).toMatch(
      /sets unknown flag 'wrk_dir'/,
    );
    expect(errorOf(["--mode=master", "--config=/c.json"], {}, { "/c.json": '{"work_dir":"/w","port":true}' })).toMatch(
      /--port \(from --config\): expected a port number/,
    );
  });
});

test("valid master addresses", () => {
  for (const master of ["127.0.0.1:5050", "h1:5050,h2:5050", "zk://h1:2181,h2:2181/mesos", "zk://u:p@h1:2181/mesos", "file:///etc/master"]) {
    expect(run(["--mode=agent", "--work_dir=/w", `--master=${master}`]).string("master")).toBe(master);
  }
});
