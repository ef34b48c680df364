// Bounded concurrency that hands results back in input order, so a caller checkpoints only past items whose
// work has fully finished, whatever order the work finishes in.

interface Task<O> {
  settled: boolean;
  ok: boolean;
  value?: O;
  error?: unknown;
}

function iteratorOf<I>(items: Iterable<I> | AsyncIterable<I>): { next(): Promise<IteratorResult<I>>; close(): void } {
  if (Symbol.asyncIterator in items) {
    const it = (items as AsyncIterable<I>)[Symbol.asyncIterator]();
    return { next: () => it.next(), close: () => void Promise.resolve(it.return?.()).catch(() => undefined) };
  }
  const it = (items as Iterable<I>)[Symbol.iterator]();
  return {
    next: async () => it.next(),
    close: () => {
      try {
        it.return?.();
      } catch {
        /* closing only */
      }
    },
  };
}

/**
 * Runs fn over items with at most `limit` in flight and yields results IN INPUT ORDER as soon as the head is
 * ready. Results finished behind a slow head wait (at most `limit` of them) while `limit` others keep running,
 * so memory holds at most 2 x `limit` results. Input is pulled lazily, one item at a time. On the first error,
 * no new work starts; once the in-flight work has settled, the error is thrown.
 */
export async function* mapOrdered<I, O>(
  items: Iterable<I> | AsyncIterable<I>,
  limit: number,
  fn: (item: I) => Promise<O>,
): AsyncGenerator<O> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapOrdered: limit must be a positive integer, got ${limit}`);
  const source = iteratorOf(items);
  const queue: Task<O>[] = [];
  let inFlight = 0;
  let pulling = false;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const launch = (item: I) => {
    const task: Task<O> = { settled: false, ok: false };
    queue.push(task);
    inFlight++;
    Promise.resolve()
      .then(() => fn(item))
      .then(
        (value) => {
          task.ok = true;
          task.value = value;
        },
        (error: unknown) => {
          task.error = error;
          failure ??= { error };
        },
      )
      .finally(() => {
        task.settled = true;
        inFlight--;
        signal();
      });
  };

  const pull = () => {
    pulling = true;
    source.next().then(
      (r) => {
        pulling = false;
        if (r.done) exhausted = true;
        else if (!failure) launch(r.value);
        signal();
      },
      (error: unknown) => {
        pulling = false;
        exhausted = true;
        failure ??= { error };
        signal();
      },
    );
  };

  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      if (failure) {
        if (inFlight === 0 && !pulling) throw failure.error;
      } else {
        if (!exhausted && !pulling && inFlight < limit && queue.length < 2 * limit) pull();
        const head = queue[0];
        if (head?.settled) {
          queue.shift();
          yield head.value as O;
          continue;
        }
        if (!head && exhausted && !pulling) return;
      }
      await changed;
    }
  } finally {
    if (!exhausted) source.close();
  }
}
