// Drives zkCli.sh (Debian's zookeeper package, the Java 3.8 client) with a script on stdin and
// returns what it printed, minus the JVM's logging noise.

import { spawn } from "bun";
import { ZKCLI } from "./servers.ts";

const ZKCLI_TIMEOUT_MS = 60_000;

export async function runZkCli(port: number, commands: string[]): Promise<string> {
  // zkCli prints results on stdout and errors on stderr; one stream keeps them in order.
  const proc = spawn(["sh", "-c", `exec "${ZKCLI}" -server 127.0.0.1:${port} 2>&1`], {
    stdin: new TextEncoder().encode(`${commands.join("\n")}\nquit\n`),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, CLIENT_JVMFLAGS: "-Xmx256m -Dzookeeper.log.threshold=ERROR" },
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), ZKCLI_TIMEOUT_MS);
  const [out, errText] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  await proc.exited;
  return `${out}\n${errText}`
    .split("\n")
    .filter((l) => !l.startsWith("SLF4J:"))
    .join("\n");
}
