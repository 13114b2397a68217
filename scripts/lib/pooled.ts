/** Runs `count` jobs, the `index`th with `job(index)`, at most `concurrency` at a time. */
export async function pooled(count: number, concurrency: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
