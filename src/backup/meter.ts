// Progress of a backup or restore on stderr: each part with its bytes and rate when it is done, and a line every
// few seconds while a large one runs, so a long copy never looks stuck.

export const sizeText = (bytes: number): string => {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(value) : value.toFixed(1)} ${units[i]}`;
};

export const rateText = (bytes: number, seconds: number): string =>
  `${sizeText(seconds > 0 ? bytes / seconds : bytes)}/s`;

export class Meter {
  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly quiet: boolean,
  ) {}

  /** Runs one part; `counter.bytesIn` is read before and after, and every 5 s while it runs. */
  async item<T>(label: string, counter: { bytesIn: number }, work: () => Promise<T>): Promise<T> {
    const start = Date.now();
    const before = counter.bytesIn;
    const timer = this.quiet
      ? undefined
      : setInterval(() => {
          const bytes = counter.bytesIn - before;
          this.out.write(
            `  … ${label}: ${sizeText(bytes)} so far (${rateText(bytes, (Date.now() - start) / 1000)})\n`,
          );
        }, 5000);
    try {
      const result = await work();
      const bytes = counter.bytesIn - before;
      if (!this.quiet)
        this.out.write(
          `  ✔ ${label}: ${sizeText(bytes)} (${rateText(bytes, (Date.now() - start) / 1000)})\n`,
        );
      return result;
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}
