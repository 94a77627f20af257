// A simulator that connects N agents (default 10,000) over real WebSockets to one master process,
// speaking the agent protocol (REGISTER, PONG), then subscribes 100 frameworks that decline every
// offer. Prints master memory per agent, master CPU while idle, and offers per second.
//
// Run: ./node_modules/.bin/bun bench/master-sim.ts [--agents=10000] [--frameworks=100] [--seconds=10]

import { cleanupAll, tempDir } from "../test/helpers/cluster.ts";
import { startTestMaster } from "../test/helpers/e2e.ts";
import { rawSubscribe } from "../test/helpers/raw-scheduler.ts";
import { agentProtocolPath, agentProtocolVersion } from "../internal/wire/index.ts";

function arg(name: string, fallback: string): number {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(found ? found.slice(name.length + 3) : fallback);
}

const agentsCount = arg("agents", "10000");
const frameworksCount = arg("frameworks", "100");
const windowSeconds = arg("seconds", "10");

function procStat(pid: number): { rssMiB: number; cpuTicks: number } {
  const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
  const stat = (require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string).split(") ")[1]!.split(" ");
  return { rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024, cpuTicks: Number(stat[11]) + Number(stat[12]) };
}

function connectAgent(address: string, index: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${address}${agentProtocolPath}`);
    ws.onopen = () => {
      ws.send(JSON.stringify({
        type: "REGISTER",
        protocolVersion: agentProtocolVersion,
        agent: {
          hostname: `sim-${index}`,
          port: 5051,
          resources: [
            { name: "cpus", type: "SCALAR", scalar: { value: 32 }, role: "*" },
            { name: "mem", type: "SCALAR", scalar: { value: 131072 }, role: "*" },
            { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 32000 }] }, role: "*" },
          ],
          attributes: [],
          physicalCpus: 32,
          version: "sim",
        },
        tasks: [],
        epoch: 0,
      }));
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (message.type === "REGISTERED") resolve(ws);
      else if (message.type === "PING") ws.send(JSON.stringify({ type: "PONG", nonce: message.nonce }));
      else if (message.type === "REFUSED") reject(new Error(message.message));
    };
    ws.onerror = () => reject(new Error(`agent ${index}: websocket error`));
  });
}

async function main(): Promise<void> {
  const master = await startTestMaster(["--quiet", "--allocation_interval=1secs", "--agent_ping_timeout=15secs"], tempDir());
  const pid = master.proc.child.pid!;
  const baseline = procStat(pid);
  const agents: WebSocket[] = [];
  const addStarted = performance.now();
  for (let i = 0; i < agentsCount; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(agentsCount, i + 200); j++) batch.push(connectAgent(master.address, j));
    agents.push(...(await Promise.all(batch)));
  }
  const addSeconds = (performance.now() - addStarted) / 1000;
  await Bun.sleep(2000);
  const loaded = procStat(pid);
  const idleStart = procStat(pid);
  await Bun.sleep(windowSeconds * 1000);
  const idleEnd = procStat(pid);
  const ticksPerSecond = 100;
  const idleCpuPercent = ((idleEnd.cpuTicks - idleStart.cpuTicks) / ticksPerSecond / windowSeconds) * 100;
  console.log(`registered ${agentsCount} agents over WebSockets in ${addSeconds.toFixed(2)} s`);
  console.log(`master RSS ${baseline.rssMiB.toFixed(1)} MiB empty, ${loaded.rssMiB.toFixed(1)} MiB with ${agentsCount} agents: ${(((loaded.rssMiB - baseline.rssMiB) * 1024) / agentsCount).toFixed(1)} KiB per agent`);
  console.log(`master CPU while idle with ${agentsCount} agents: ${idleCpuPercent.toFixed(1)}% of one core`);
  let offers = 0;
  const subscriptions: Awaited<ReturnType<typeof rawSubscribe>>[] = [];
  for (let i = 0; i < frameworksCount; i++) {
    const sub = await rawSubscribe(master.url, { user: "sim", name: `sim-${i}` });
    subscriptions.push(sub);
  }
  const counted = new Array(frameworksCount).fill(0);
  const started = performance.now();
  const pump = setInterval(() => {
    subscriptions.forEach((sub, i) => {
      for (; counted[i] < sub.events.length; counted[i]++) {
        const event = sub.events[counted[i]]!;
        if (event.type !== "OFFERS") continue;
        offers += event.offers.offers.length;
        sub.call({ type: "DECLINE", decline: { offer_ids: event.offers.offers.map((o: any) => o.id), filters: { refuse_seconds: 1 } } }).catch(() => undefined);
      }
    });
  }, 5);
  await Bun.sleep(windowSeconds * 1000);
  clearInterval(pump);
  const seconds = (performance.now() - started) / 1000;
  console.log(`offers to ${frameworksCount} frameworks declining with refuse_seconds=1: ${(offers / seconds).toFixed(0)} offers/s over ${seconds.toFixed(1)} s`);
  for (const sub of subscriptions) sub.close();
  for (const ws of agents) ws.close();
  cleanupAll();
}

await main();
