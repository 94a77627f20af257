// GET /api/internal/agent: the agent's WebSocket (see internal/wire/README.md). The first frame
// must be REGISTER; after REGISTERED every frame is a message for the master.

import type { Hono } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { agentFrameBytesMax, agentProtocolPath, type AgentToMaster, type MasterToAgent } from "../wire/index.ts";
import { agentDisconnected, handleAgentMessage, registerAgent } from "./agents.ts";
import type { Master } from "./master.ts";
import type { AgentLink } from "./types.ts";
import { handleStatusUpdate } from "./updates.ts";

/** Frames an agent may send before its registration is answered; more is a broken agent. */
const earlyFramesMax = 10_000;

const agentMessageTypes: ReadonlySet<string> = new Set(["REGISTER", "STATUS_UPDATE", "PONG", "COMMAND_REFUSED"]);

export function mountAgentSocket(app: Hono, m: Master, isLeader: () => boolean): void {
  app.get(
    agentProtocolPath,
    upgradeWebSocket(() => {
      let agentId: string | undefined;
      let link: AgentLink | undefined;
      let registering = false;
      const early: AgentToMaster[] = [];
      const deliver = (id: string, message: AgentToMaster): void =>
        handleAgentMessage(m, id, message, (agent, frameworkId, status) => handleStatusUpdate(m, agent, frameworkId, status));
      return {
        onOpen: (_event, ws) => {
          link = {
            send: (message: MasterToAgent) => ws.send(JSON.stringify(message)),
            close: (reason: string) => ws.close(1000, reason.slice(0, 120)),
          };
          if (!isLeader()) link.close("not the leading master");
        },
        onMessage: (event, ws) => {
          const message = parseFrame(event.data);
          if (typeof message === "string") {
            m.logger.warn({ agent_id: agentId, problem: message }, "bad frame from agent; closing");
            ws.close(1008, message.slice(0, 120));
            return;
          }
          if (agentId !== undefined) {
            deliver(agentId, message);
            return;
          }
          if (registering) {
            // Frames sent right behind REGISTER wait for the registration to finish.
            if (early.length >= earlyFramesMax) ws.close(1008, "too many frames before registration finished");
            else early.push(message);
            return;
          }
          if (message.type !== "REGISTER") {
            ws.close(1008, "the first frame must be REGISTER");
            return;
          }
          registering = true;
          void registerAgent(m, link!, message).then((id) => {
            agentId = id;
            registering = false;
            if (id !== undefined) for (const queued of early.splice(0)) deliver(id, queued);
          });
        },
        onClose: () => {
          if (agentId !== undefined && link) agentDisconnected(m, agentId, link);
        },
      };
    }),
  );
}

function parseFrame(data: unknown): AgentToMaster | string {
  const text = typeof data === "string" ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : String(data);
  if (text.length > agentFrameBytesMax) return `frame larger than ${agentFrameBytesMax} bytes`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `frame is not JSON: ${(error as Error).message}`;
  }
  const type = (parsed as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !agentMessageTypes.has(type)) return `unknown message type ${JSON.stringify(type)}`;
  return parsed as AgentToMaster;
}
