import { expect, test } from "bun:test";
import { subscriberBufferBytesMax, subscriberStream } from "./scheduler-http.ts";

test("a subscriber that stops reading is cut off once its bounded buffer fills, not grown without end", () => {
  let closedByReader = false;
  const { body, stream } = subscriberStream("stream-1", () => {
    closedByReader = true;
  });
  const payload = "x".repeat(64 * 1024);
  let sent = 0;
  while (stream.send({ type: "ERROR", error: { message: payload } })) {
    sent += 1;
    expect(sent * payload.length).toBeLessThan(subscriberBufferBytesMax * 2);
  }
  expect(sent * payload.length).toBeGreaterThanOrEqual(subscriberBufferBytesMax - 2 * payload.length);
  expect(stream.send({ type: "HEARTBEAT" })).toBe(false);
  expect(closedByReader).toBe(false);
  expect(body.locked).toBe(false);
});

test("events are RecordIO records a reader sees in order", async () => {
  const { body, stream } = subscriberStream("stream-2", () => {});
  stream.send({ type: "HEARTBEAT" });
  stream.send({ type: "HEARTBEAT" });
  stream.close();
  const text = await new Response(body).text();
  expect(text).toBe('20\n{"type":"HEARTBEAT"}20\n{"type":"HEARTBEAT"}');
});
