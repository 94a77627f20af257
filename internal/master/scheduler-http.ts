// POST /api/v1/scheduler: the Mesos scheduler HTTP API v1 in its JSON form. SUBSCRIBE answers
// with a RecordIO stream of events; every other call answers 202 (or a 4xx naming the problem).

import type { Hono } from "hono";
import {
  encodeRecord,
  parseSchedulerCallText,
  schedulerApiPath,
  streamIdHeader,
  WireError,
  type SchedulerEvent,
} from "../wire/index.ts";
import { handleCall } from "./calls.ts";
import { frameworkDisconnected, subscribe } from "./frameworks.ts";
import type { Master } from "./master.ts";
import type { FrameworkStream } from "./types.ts";

/**
 * Events queued for a subscriber that does not read; past it the subscriber is disconnected rather
 * than holding memory without bound (the framework re-subscribes and reconciles).
 */
export const subscriberBufferBytesMax = 8 * 1024 * 1024;

const jsonType = "application/json";
/** W3C Trace Context request header. */
const traceparentHeader = "traceparent";

export function mountSchedulerApi(app: Hono, m: Master, leaderRedirect: () => Response | undefined): void {
  app.post(schedulerApiPath, async (c) => {
    const redirect = leaderRedirect();
    if (redirect) return redirect;
    const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== jsonType) {
      return c.text(`Expecting 'Content-Type' of ${jsonType} (protobuf is not supported); got '${contentType || "none"}'`, 415);
    }
    const accept = c.req.header("accept");
    if (accept && !/application\/json|\*\/\*|application\/\*/.test(accept)) {
      return c.text(`Expecting 'Accept' to allow ${jsonType}`, 406);
    }
    let call;
    try {
      call = parseSchedulerCallText(await c.req.text());
    } catch (error) {
      if (error instanceof WireError) return c.text(`Failed to validate scheduler::Call: ${error.message}`, 400);
      throw error;
    }
    if (call.type === "SUBSCRIBE") return subscribeResponse(m, call, c.req.raw.signal);
    // A call carrying W3C trace context joins the caller's trace (observability/observers/README.md).
    const trace = m.observer.schedulerCallStarted(call.type, call.framework_id.value, c.req.header(traceparentHeader));
    let status = 500;
    try {
      const result = handleCall(m, call, c.req.header(streamIdHeader) ?? null, trace);
      status = result.status;
      return "message" in result ? c.text(result.message, result.status as 400) : c.body(null, 202);
    } finally {
      m.observer.schedulerCallEnded(trace, status);
    }
  });
}

async function subscribeResponse(m: Master, call: Parameters<typeof subscribe>[1], abort: AbortSignal): Promise<Response> {
  const streamId = m.deps.uuids.uuid();
  let frameworkId: string | undefined;
  const onClosed = (): void => {
    if (frameworkId !== undefined) frameworkDisconnected(m, frameworkId, streamId);
  };
  const { body, stream } = subscriberStream(streamId, onClosed);
  abort.addEventListener("abort", onClosed, { once: true });
  const result = await subscribe(m, call, stream);
  if (!result.ok) {
    stream.close();
    return new Response(result.message, { status: result.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  frameworkId = result.frameworkId;
  return new Response(body, {
    status: 200,
    headers: { "Content-Type": jsonType, [streamIdHeader]: streamId, "Cache-Control": "no-cache" },
  });
}

/** A bounded RecordIO event stream: `send` returns false once closed or once the buffer is full. */
export function subscriberStream(streamId: string, onClosed: () => void): { body: ReadableStream<Uint8Array>; stream: FrameworkStream } {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    try {
      controller?.close();
    } catch (error) {
      void error; // Already closed or errored by the reader going away: nothing left to release.
    }
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      cancel: () => {
        closed = true;
        onClosed();
      },
    },
    { highWaterMark: subscriberBufferBytesMax, size: (chunk) => chunk?.byteLength ?? 0 },
  );
  const stream: FrameworkStream = {
    streamId,
    send: (event: SchedulerEvent) => {
      if (closed || !controller) return false;
      controller.enqueue(encoder.encode(encodeRecord(event)));
      if ((controller.desiredSize ?? 0) < 0) {
        close();
        return false;
      }
      return true;
    },
    close,
  };
  return { body, stream };
}
