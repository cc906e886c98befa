import { MB } from './stats.js';

/** Samples the process's resident set size every `intervalMs` and keeps the peak. */
export class RssSampler {
  #peak = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 50) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): number {
    const rss = process.memoryUsage().rss;
    if (rss > this.#peak) this.#peak = rss;
    return rss;
  }

  /** Stops sampling; the peak in MB. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak / MB;
  }
}

export function rssMb(): number {
  return process.memoryUsage().rss / MB;
}
