// GET /api/internal/agent: the agent's WebSocket (see internal/wire/README.md). The first frame
// must be REGISTER; after REGISTERED every frame is a message for the master.

import type { Hono } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { agentFrameBytesMax, agentProtocolPath, type AgentToMaster, type MasterToAgent } from "../wire/index.ts";
import { agentDisconnected, handleAgentMessage, registerAgent } from "./agents.ts";
import type { Master } from "./master.ts";
import type { AgentLink } from "./types.ts";
import { handleStatusUpdate } from "./updates.ts";

const agentMessageTypes: ReadonlySet<string> = new Set(["REGISTER", "STATUS_UPDATE", "PONG", "COMMAND_REFUSED"]);

export function mountAgentSocket(app: Hono, m: Master, isLeader: () => boolean): void {
  app.get(
    agentProtocolPath,
    upgradeWebSocket(() => {
      let agentId: string | undefined;
      let link: AgentLink | undefined;
      let registering = false;
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
            handleAgentMessage(m, agentId, message, (id, frameworkId, status) => handleStatusUpdate(m, id, frameworkId, status));
            return;
          }
          if (message.type !== "REGISTER" || registering) {
            ws.close(1008, "the first frame must be REGISTER");
            return;
          }
          registering = true;
          void registerAgent(m, link!, message).then((id) => {
            agentId = id;
            registering = false;
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
