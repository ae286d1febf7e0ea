import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { UserError } from '../common/errors';

export function printTable(head: string[], rows: (string | number)[][]): void {
  const table = new Table({ head, style: { head: [], border: [] } });
  table.push(...rows.map((row) => row.map(String)));
  console.log(table.toString());
}

/** A progress bar on stderr (so stdout stays clean for piping); a no-op when not a terminal. */
export function progressBar(label: string): {
  update(fraction: number, message?: string): void;
  stop(): void;
} {
  if (!process.stderr.isTTY) {
    let lastDecile = -1;

    return {
      update(fraction, message) {
        const decile = Math.floor(fraction * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          process.stderr.write(`${label}: ${Math.round(fraction * 100)}% ${message ?? ''}\n`);
        }
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    format: `${label.padEnd(18)} [{bar}] {percentage}% {message}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(100, 0, { message: '' });

  return {
    update(fraction, message) {
      bar.update(Math.round(fraction * 100), { message: message ?? '' });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Prints an error the way a person can act on it and returns the exit code. */
export function reportError(error: unknown, verbose = false): number {
  if (error instanceof UserError) {
    console.error(`error [${error.code}]: ${error.message}`);
    for (const detail of error.details.slice(0, 20)) {
      const where = [
        detail.line !== undefined ? `line ${detail.line}` : undefined,
        detail.column !== undefined ? `column ${detail.column}` : undefined,
        detail.path,
        detail.field,
      ]
        .filter(Boolean)
        .join(', ');
      console.error(`  - ${where ? `${where}: ` : ''}${detail.message}`);
    }
    if (error.details.length > 20) {
      console.error(`  … and ${error.details.length - 20} more`);
    }

    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${message}`);
  if (verbose && error instanceof Error && error.stack) {
    console.error(error.stack);
  }

  return 1;
}

export function formatNumber(value: number | undefined | null, digits = 4): string {
  return value === undefined || value === null || Number.isNaN(value) ? '—' : value.toFixed(digits);
}
