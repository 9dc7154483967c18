import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HANDOFF_TIMEOUT_MS, LINGER_MS, MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, sendCoalesced, type BatchingQueue } from "../../src/analytics/outbox";

// The scan outbox (src/analytics/outbox.ts) on an injected clock: which events share a sendBatch,
// when it is sent, and what each member learns when the send fails or never settles.

/** A queue binding that records each sendBatch; `hold` makes the next calls wait for `release`. */
function fakeQueue() {
  const batches: unknown[][] = [];
  let gate: Promise<void> | null = null;
  let release = () => {};
  let failWith: Error | null = null;
  const queue = {
    sendBatch: vi.fn(async (messages: Iterable<{ body: unknown; contentType?: string }>) => {
      const bodies = [...messages].map((m) => {
        expect(m.contentType).toBe("v8");
        return m.body;
      });
      batches.push(bodies);
      if (gate) await gate;
      if (failWith) throw failWith;
    }),
  } satisfies BatchingQueue;
  return {
    queue,
    batches,
    hold() {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
    fail(error: Error) {
      failWith = error;
    },
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("the scan outbox", () => {
  it("sends the events of one linger window in one batch, and only once the window ends", async () => {
    const { queue, batches } = fakeQueue();
    const outcomes = [sendCoalesced(queue, { n: 1 }, 100), sendCoalesced(queue, { n: 2 }, 100)];
    await vi.advanceTimersByTimeAsync(LINGER_MS - 1);
    outcomes.push(sendCoalesced(queue, { n: 3 }, 100));
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all(outcomes)).toEqual(["sent", "sent", "sent"]);
    expect(batches).toEqual([[{ n: 1 }, { n: 2 }, { n: 3 }]]);
    // The next event opens a new window.
    const later = sendCoalesced(queue, { n: 4 }, 100);
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(await later).toBe("sent");
    expect(batches).toEqual([[{ n: 1 }, { n: 2 }, { n: 3 }], [{ n: 4 }]]);
  });

  it("takes no more than 100 events in a batch: the next one opens another", async () => {
    const { queue, batches } = fakeQueue();
    const outcomes = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, n) => sendCoalesced(queue, { n }, 100));
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH_MESSAGES, 1]);
    expect(batches[1]).toEqual([{ n: MAX_BATCH_MESSAGES }]);
    expect(new Set(await Promise.all(outcomes))).toEqual(new Set(["sent"]));
  });

  it("keeps a batch under the queue's size limit", async () => {
    const { queue, batches } = fakeQueue();
    const big = Math.floor(MAX_BATCH_BYTES / 3) + 1;
    const outcomes = [1, 2, 3, 4].map((n) => sendCoalesced(queue, { n }, big));
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    await Promise.all(outcomes);
    expect(batches).toEqual([[{ n: 1 }, { n: 2 }], [{ n: 3 }, { n: 4 }]]);
  });

  it("keeps each queue's events apart", async () => {
    const first = fakeQueue();
    const second = fakeQueue();
    const outcomes = [sendCoalesced(first.queue, "a", 10), sendCoalesced(second.queue, "b", 10), sendCoalesced(first.queue, "c", 10)];
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    await Promise.all(outcomes);
    expect(first.batches).toEqual([["a", "c"]]);
    expect(second.batches).toEqual([["b"]]);
  });

  it("tells every member of a failed batch, so each can send its own event", async () => {
    const { queue, fail } = fakeQueue();
    fail(new Error("queue unavailable"));
    const outcomes = [1, 2, 3].map((n) => sendCoalesced(queue, { n }, 100));
    const settled = Promise.allSettled(outcomes);
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error("queue unavailable"));
  });

  it("when a batch's send never settles, each member gives up after the handoff timeout, the sender too, so each can send its own event", async () => {
    const { queue, hold, release } = fakeQueue();
    hold();
    const opener = sendCoalesced(queue, { n: 1 }, 100);
    const joiner = sendCoalesced(queue, { n: 2 }, 100);
    let openerOutcome: string | undefined;
    void opener.then((outcome) => (openerOutcome = outcome));
    // The joiner counts from when it joined.
    await vi.advanceTimersByTimeAsync(HANDOFF_TIMEOUT_MS - 1);
    let joinerOutcome: string | undefined;
    void joiner.then((outcome) => (joinerOutcome = outcome));
    await vi.advanceTimersByTimeAsync(0);
    expect(joinerOutcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(joinerOutcome).toBe("handoff_timeout");
    // The sender counts from its batch's opening: the linger, then as long as the others wait.
    await vi.advanceTimersByTimeAsync(LINGER_MS - 1);
    expect(openerOutcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(openerOutcome).toBe("handoff_timeout");
    release();
  });
});
