/**
 * Batches of several async iterators as each becomes ready. Each source is awaited one batch at a
 * time (the caller stores a batch before the source moves on, so cursors stay behind stored data).
 */
export async function* interleave<T>(sources: Array<AsyncIterator<T> | AsyncIterable<T>>): AsyncGenerator<T> {
  const its = sources.map((s) => (Symbol.asyncIterator in s ? (s as AsyncIterable<T>)[Symbol.asyncIterator]() : (s as AsyncIterator<T>)));
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const next = (i: number) => pending.set(i, (its[i] as AsyncIterator<T>).next().then((r) => ({ i, r })));
  its.forEach((_, i) => next(i));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      yield r.value;
      next(i);
    }
  } finally {
    // On an error or an early stop, close the other sources so nothing keeps paging.
    await Promise.allSettled([...pending.keys()].map((i) => its[i]?.return?.()));
  }
}
