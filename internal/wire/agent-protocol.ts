// The internal protocol between master and agent. One WebSocket per agent, opened by the agent at
// GET /api/internal/agent on the leading master; every frame is one JSON message below. See
// README.md in this folder for the conversation.

import type { ResourceJSON } from "../resources/index.ts";
import type {
  Attribute,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  TaskInfo,
  TaskState,
  TaskStatus,
} from "./mesos.ts";

export const agentProtocolPath = "/api/internal/agent";
export const agentProtocolVersion = 1;

/** What an agent says about itself when it registers or re-registers. */
export interface AgentDescription {
  hostname: string;
  /** The agent's HTTP port, for sandbox links and /state. */
  port: number;
  resources: ResourceJSON[];
  attributes: Attribute[];
  /** Real cores of the machine; role reservations may add up to more (oversubscription). */
  physicalCpus: number;
  version: string;
}

/** A task the agent has, as it reports it on re-registration. */
export interface AgentTaskReport {
  frameworkId: string;
  framework: FrameworkInfo;
  task: TaskInfo;
  /** The executor the task runs under (the agent's command executor id for command tasks). */
  executorId: string;
  /** Latest state the agent knows, which may be ahead of what the master was told. */
  state: TaskState;
  /** Status updates not yet acknowledged, oldest first; the master will see them again. */
  pendingUpdates: number;
}

export type AgentToMaster =
  | {
      type: "REGISTER";
      protocolVersion: number;
      /** Present when the agent has registered before (recovered from its work_dir). */
      agentId?: string;
      agent: AgentDescription;
      tasks: AgentTaskReport[];
      /** Highest master epoch the agent has obeyed; a master with a lower epoch is refused. */
      epoch: number;
    }
  | { type: "STATUS_UPDATE"; frameworkId: string; status: TaskStatus }
  | { type: "PONG"; nonce: number }
  /** The agent could not act on a command (unknown framework, resources it lacks...). */
  | { type: "COMMAND_REFUSED"; command: string; message: string };

export type MasterToAgent =
  | {
      type: "REGISTERED";
      agentId: string;
      masterId: string;
      epoch: number;
      /** The master pings this often; the agent treats pingTimeoutMs x maxPingTimeouts of silence as master loss. */
      pingIntervalMs: number;
      maxPingTimeouts: number;
    }
  /** Registration refused; `message` tells the operator what to do. The agent does not retry. */
  | { type: "REFUSED"; message: string }
  | {
      type: "RUN_TASKS";
      epoch: number;
      frameworkId: string;
      framework: FrameworkInfo;
      tasks: TaskInfo[];
      /** Set for LAUNCH_GROUP: the tasks share this executor and start together. */
      executor?: ExecutorInfo;
      /** W3C traceparent of the task.launch span, so task.start joins the trace. */
      traceparent?: string;
    }
  | {
      type: "KILL_TASK";
      epoch: number;
      frameworkId: string;
      taskId: string;
      killPolicy?: KillPolicy;
      /** Why, when the master kills on its own account (maintenance, drain, role window closed). */
      reason?: string;
      message?: string;
    }
  | { type: "ACK_UPDATE"; epoch: number; frameworkId: string; taskId: string; uuid: string }
  | { type: "SHUTDOWN_FRAMEWORK"; epoch: number; frameworkId: string }
  | { type: "PING"; nonce: number };

export type MasterToAgentType = MasterToAgent["type"];
export type AgentToMasterType = AgentToMaster["type"];

/** Largest frame either side accepts; a RUN_TASKS with many tasks stays far below it. */
export const agentFrameBytesMax = 8 * 1024 * 1024;
