// A raw scheduler API subscription for conformance tests of the master's HTTP side: it exposes the
// status, headers and every decoded event, without the retries and redirects a real client adds.

import { RecordIODecoder } from "../../internal/wire/index.ts";

export interface RawSubscription {
  status: number;
  streamId: string | null;
  frameworkId: string | undefined;
  events: Array<Record<string, any>>;
  /** Resolves with the first event (from now or already received) matching the predicate. */
  next(predicate: (event: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  call(body: object, streamIdOverride?: string | null): Promise<Response>;
  close(): void;
  bodyText?: string;
}

export async function rawSubscribe(masterUrl: string, frameworkInfo: object, extra: object = {}): Promise<RawSubscription> {
  const abort = new AbortController();
  const response = await fetch(`${masterUrl}/api/v1/scheduler`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ type: "SUBSCRIBE", subscribe: { framework_info: frameworkInfo }, ...extra }),
    signal: abort.signal,
    redirect: "manual",
  });
  const events: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  const sub: RawSubscription = {
    status: response.status,
    streamId: response.headers.get("Mesos-Stream-Id"),
    frameworkId: undefined,
    events,
    next: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): boolean => {
          for (; seen < events.length; seen++) {
            if (predicate(events[seen]!)) {
              resolve(events[seen]!);
              return true;
            }
          }
          return false;
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms; got ${events.map((e) => e.type).join(",")}`)), timeoutMs);
        const waiter = (): void => {
          if (check()) clearTimeout(timer);
          else waiters.push(waiter);
        };
        waiters.push(waiter);
      }),
    call: (body, streamIdOverride) =>
      fetch(`${masterUrl}/api/v1/scheduler`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...(streamIdOverride === null ? {} : { "Mesos-Stream-Id": streamIdOverride ?? sub.streamId ?? "" }),
        },
        body: JSON.stringify({ framework_id: { value: sub.frameworkId }, ...body }),
      }),
    close: () => abort.abort(),
  };
  if (response.status !== 200 || !response.body) {
    sub.bodyText = await response.text();
    return sub;
  }
  const decoder = new RecordIODecoder();
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        for (const record of decoder.push(chunk)) {
          const event = JSON.parse(record) as Record<string, any>;
          if (event.type === "SUBSCRIBED") sub.frameworkId = event.subscribed.framework_id.value;
          events.push(event);
          for (const waiter of waiters.splice(0)) waiter();
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) events.push({ type: "STREAM_ERROR", message: String(error) });
    }
    events.push({ type: "STREAM_END" });
    for (const waiter of waiters.splice(0)) waiter();
  })();
  await sub.next((e) => e.type === "SUBSCRIBED" || e.type === "STREAM_END");
  return sub;
}
