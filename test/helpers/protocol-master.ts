// A scripted master for agent tests: a Bun WebSocket server that speaks the master side of
// internal/wire/agent-protocol.ts. Tests send RUN_TASKS / KILL_TASK / ACK_UPDATE / PING and
// watch REGISTER / STATUS_UPDATE / PONG / COMMAND_REFUSED arrive. It also answers
// GET /master/redirect as a Mesos master does, so it can stand in for a list of masters.

import type { Server, ServerWebSocket } from "bun";
import {
  agentProtocolPath,
  type AgentToMaster,
  type FrameworkInfo,
  type MasterToAgent,
  type TaskInfo,
  type TaskStatus,
} from "../../internal/wire/index.ts";

export type RegisterFrame = Extract<AgentToMaster, { type: "REGISTER" }>;
export type StatusUpdateFrame = Extract<AgentToMaster, { type: "STATUS_UPDATE" }>;

export interface Received {
  /** Which connection (0, 1, ...) it came on. */
  connection: number;
  frame: AgentToMaster;
  atMs: number;
}

export interface ProtocolMasterOptions {
  port?: number;
  epoch?: number;
  /** Agent id given to an agent that registers without one. */
  newAgentId?: string;
  masterId?: string;
  pingIntervalMs?: number;
  maxPingTimeouts?: number;
  /** Answer REGISTER by itself (default true). */
  autoRegister?: boolean;
  /** Answer REGISTER with REFUSED and this message. */
  refuse?: string;
  /** Acknowledge every STATUS_UPDATE at once (default false). */
  autoAck?: boolean;
  /** What GET /master/redirect names as leader; undefined answers 503. Default: itself. */
  redirectTo?: string | null;
}

interface SocketData {
  connection: number;
}

export class ProtocolMaster {
  readonly received: Received[] = [];
  epoch: number;
  redirectTo: string | null | undefined;
  autoAck: boolean;
  private server: Server<SocketData> | undefined;
  private socket: ServerWebSocket<SocketData> | undefined;
  private connections = 0;

  private constructor(private readonly options: ProtocolMasterOptions) {
    this.epoch = options.epoch ?? 1;
    this.redirectTo = options.redirectTo;
    this.autoAck = options.autoAck ?? false;
  }

  static start(options: ProtocolMasterOptions = {}): ProtocolMaster {
    const master = new ProtocolMaster(options);
    master.listen(options.port ?? 0);
    return master;
  }

  get port(): number {
    if (this.server?.port === undefined) throw new Error("protocol master is not listening");
    return this.server.port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Connections accepted so far. */
  get connectionCount(): number {
    return this.connections;
  }

  isConnected(): boolean {
    return this.socket !== undefined;
  }

  private listen(port: number): void {
    this.server = Bun.serve<SocketData>({
      hostname: "127.0.0.1",
      port,
      fetch: (request, server) => this.fetch(request, server),
      websocket: {
        open: (ws) => {
          this.socket?.close();
          this.socket = ws;
        },
        message: (ws, data) => this.handle(ws, typeof data === "string" ? data : Buffer.from(data).toString("utf8")),
        close: (ws) => {
          if (this.socket === ws) this.socket = undefined;
        },
      },
    });
  }

  private fetch(request: Request, server: Server<SocketData>): Response | undefined {
    const url = new URL(request.url);
    if (url.pathname === agentProtocolPath) {
      if (server.upgrade(request, { data: { connection: this.connections++ } })) return undefined;
      return new Response("expected a WebSocket", { status: 400 });
    }
    if (url.pathname === "/master/redirect") {
      const leader = this.redirectTo === undefined ? this.address : this.redirectTo;
      if (leader === null) return new Response("no leader", { status: 503 });
      return new Response(null, { status: 307, headers: { Location: `//${leader}` } });
    }
    return new Response("not found", { status: 404 });
  }

  private handle(ws: ServerWebSocket<SocketData>, text: string): void {
    const frame = JSON.parse(text) as AgentToMaster;
    this.received.push({ connection: ws.data.connection, frame, atMs: Date.now() });
    if (frame.type === "REGISTER") this.answerRegister(ws, frame);
    if (frame.type === "STATUS_UPDATE" && this.autoAck && frame.status.uuid !== undefined) {
      this.ack(frame.frameworkId, frame.status.task_id.value, frame.status.uuid);
    }
  }

  private answerRegister(ws: ServerWebSocket<SocketData>, frame: RegisterFrame): void {
    if (this.options.refuse !== undefined) {
      ws.send(JSON.stringify({ type: "REFUSED", message: this.options.refuse } satisfies MasterToAgent));
      return;
    }
    if (this.options.autoRegister === false) return;
    this.registered(frame.agentId ?? this.options.newAgentId ?? "agent-1", ws);
  }

  /** Sends REGISTERED (for tests that answer REGISTER themselves). */
  registered(agentId: string, ws = this.socket): void {
    const frame: MasterToAgent = {
      type: "REGISTERED",
      agentId,
      masterId: this.options.masterId ?? `master-${this.port}`,
      epoch: this.epoch,
      pingIntervalMs: this.options.pingIntervalMs ?? 60_000,
      maxPingTimeouts: this.options.maxPingTimeouts ?? 5,
    };
    if (ws === undefined) throw new Error("no agent connected");
    ws.send(JSON.stringify(frame));
  }

  send(frame: MasterToAgent): void {
    if (this.socket === undefined) throw new Error(`no agent connected to send ${frame.type}`);
    this.socket.send(JSON.stringify(frame));
  }

  runTasks(frameworkId: string, tasks: TaskInfo[], extra: Partial<Extract<MasterToAgent, { type: "RUN_TASKS" }>> = {}): void {
    const framework: FrameworkInfo = { user: "", name: `framework ${frameworkId}`, id: { value: frameworkId } };
    this.send({ type: "RUN_TASKS", epoch: this.epoch, frameworkId, framework, tasks, ...extra });
  }

  kill(frameworkId: string, taskId: string, extra: Partial<Extract<MasterToAgent, { type: "KILL_TASK" }>> = {}): void {
    this.send({ type: "KILL_TASK", epoch: this.epoch, frameworkId, taskId, ...extra });
  }

  ack(frameworkId: string, taskId: string, uuid: string, epoch = this.epoch): void {
    this.send({ type: "ACK_UPDATE", epoch, frameworkId, taskId, uuid });
  }

  /** Drops the agent's connection, as a crashed or deposed master would. */
  dropConnection(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  async stop(): Promise<void> {
    this.socket?.close();
    this.socket = undefined;
    await this.server?.stop(true);
    this.server = undefined;
  }

  registrations(): RegisterFrame[] {
    return this.frames("REGISTER");
  }

  updates(taskId?: string): TaskStatus[] {
    return this.frames("STATUS_UPDATE")
      .map((frame) => frame.status)
      .filter((status) => taskId === undefined || status.task_id.value === taskId);
  }

  frames<T extends AgentToMaster["type"]>(type: T): Array<Extract<AgentToMaster, { type: T }>> {
    return this.received.filter((r) => r.frame.type === type).map((r) => r.frame as Extract<AgentToMaster, { type: T }>);
  }

  /** Resolves with the first received frame (from index `from`) that matches. */
  async waitFor<T extends AgentToMaster>(
    what: string,
    match: (frame: AgentToMaster) => frame is T,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      for (const r of this.received.slice(options.from ?? 0)) if (match(r.frame)) return r.frame;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; received:\n${this.received.map((r) => describe(r.frame)).join("\n")}`);
      }
      await Bun.sleep(10);
    }
  }

  waitForRegister(options: { from?: number; timeoutMs?: number } = {}): Promise<RegisterFrame> {
    return this.waitFor("REGISTER", (f): f is RegisterFrame => f.type === "REGISTER", options);
  }

  /** The first STATUS_UPDATE of `taskId` in `state` (from index `from`). */
  waitForUpdate(taskId: string, state: string, options: { from?: number; timeoutMs?: number } = {}): Promise<StatusUpdateFrame> {
    return this.waitFor(
      `${state} of ${taskId}`,
      (f): f is StatusUpdateFrame => f.type === "STATUS_UPDATE" && f.status.task_id.value === taskId && f.status.state === state,
      options,
    );
  }
}

function describe(frame: AgentToMaster): string {
  if (frame.type === "STATUS_UPDATE") return `STATUS_UPDATE ${frame.status.task_id.value} ${frame.status.state} ${frame.status.uuid} ${frame.status.message ?? ""}`;
  if (frame.type === "REGISTER") return `REGISTER agentId=${frame.agentId} tasks=${frame.tasks.map((t) => `${t.task.task_id.value}:${t.state}`).join(",")}`;
  return JSON.stringify(frame);
}

/** Polls until `condition` holds; generous deadline, no fixed sleeps as assertions. */
export async function eventually<T>(what: string, condition: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** A command task for RUN_TASKS. */
export function commandTask(taskId: string, command: string, resources = "cpus:0.1;mem:32", extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: { value: "" },
    resources: resourcesJson(resources),
    command: { value: command, shell: true },
    ...extra,
  };
}

function resourcesJson(text: string): TaskInfo["resources"] {
  return text.split(";").map((part) => {
    const [name, value] = part.split(":") as [string, string];
    if (value.startsWith("[")) {
      const range = value.slice(1, -1).split(",").map((r) => {
        const [begin, end] = r.split("-").map(Number) as [number, number];
        return { begin, end };
      });
      return { name, type: "RANGES" as const, role: "*", ranges: { range } };
    }
    return { name, type: "SCALAR" as const, role: "*", scalar: { value: Number(value) } };
  });
}
