// Multi-process test helpers: build ./cluster once per test run, start it with arguments, wait for
// the URLs it prints, and make sure every process a test starts is gone afterwards.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repoRoot = new URL("../..", import.meta.url).pathname;
let builtPath: string | undefined;

/** Compiles the executable into a temp directory, once per test process. */
export function clusterBinary(): string {
  if (builtPath) return builtPath;
  const dir = mkdtempSync(join(tmpdir(), "cluster-bin-"));
  const outfile = join(dir, "cluster");
  const result = spawnSync(process.execPath, ["cmd/build.ts", outfile], { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`build failed: ${result.stderr}${result.stdout}`);
  builtPath = outfile;
  return outfile;
}

export function tempDir(prefix = "cluster-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const cleanups: Array<() => void> = [];
const running = new Set<ChildProcess>();

/** Kills every process still running and removes temp dirs; call from afterAll/afterEach. */
export function cleanupAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
  for (const fn of cleanups.splice(0)) fn();
}

export interface RunningCluster {
  child: ChildProcess;
  /** "master" -> "http://127.0.0.1:5050", from the lines the process prints on start. */
  urls: Map<string, string>;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or signal) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  binary?: string;
  /** How many "name: url" lines to wait for. */
  expectUrls?: number;
  startTimeoutMs?: number;
}

export function startCluster(args: string[], options: StartOptions = {}): Promise<RunningCluster> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, OTEL_SDK_DISABLED: "true", ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(options.binary ?? clusterBinary(), args, { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let out = "";
  let err = "";
  const urls = new Map<string, string>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const expectUrls = options.expectUrls ?? 1;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`cluster ${args.join(" ")} did not print ${expectUrls} URL(s) in time\nstdout:${out}\nstderr:${err}`));
    }, options.startTimeoutMs ?? 15_000);
    const handle: RunningCluster = {
      child,
      urls,
      stdout: () => out,
      stderr: () => err,
      exited,
      stop: (signal = "SIGTERM") => {
        child.kill(signal);
        return exited;
      },
    };
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      for (const match of out.matchAll(/^([\w -]+): (http:\/\/\S+|zk:\/\/\S+|\S+:\d+)$/gm)) urls.set(match[1]!, match[2]!);
      if (urls.size >= expectUrls) {
        clearTimeout(timer);
        resolve(handle);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`cluster ${args.join(" ")} exited early (code ${code}, signal ${signal})\nstdout:${out}\nstderr:${err}`));
    });
  });
}

/** Runs the executable to completion (for --help, --version and bad flags). */
export function runCluster(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(clusterBinary(), args, { encoding: "utf8", env: { ...process.env, OTEL_SDK_DISABLED: "true", ...env }, timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
