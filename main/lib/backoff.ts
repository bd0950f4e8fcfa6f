// One backoff with jitter for every retry in main/: the network session, the nvidia-smi sampler,
// a hired workload's restarts. A fleet that failed together must not retry together.

/**
 * Exponential backoff with jitter: try `attempt` waits a random time in [initial/2, min(max, initial·2^attempt)].
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(initialMs / 2 + random() * Math.max(0, ceiling - initialMs / 2));
}
