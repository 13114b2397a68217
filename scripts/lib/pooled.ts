import { mapConcurrently } from '../../src/concurrency';

/** Runs `count` jobs, the `index`th with `job(index)`, at most `concurrency` at a time. */
export async function pooled(count: number, concurrency: number, job: (index: number) => Promise<void>): Promise<void> {
  await mapConcurrently(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    job,
  );
}
