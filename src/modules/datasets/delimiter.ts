/** The field delimiters Bullseye recognises in CSV files, in order of preference on a tie. */
export const CSV_DELIMITERS = [',', ';', '\t'] as const;

const BOM = '\uFEFF';

export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/**
 * Picks the delimiter of a CSV file from its header line: the candidate that occurs most
 * often outside double quotes (a quoted column name may itself contain a comma). A header
 * with none of them is a single column, read as comma-separated.
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of stripBom(headerLine)) {
    if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && counts.has(char)) {
      counts.set(char, (counts.get(char) ?? 0) + 1);
    }
  }

  let best: string = CSV_DELIMITERS[0];
  for (const delimiter of CSV_DELIMITERS) {
    if ((counts.get(delimiter) ?? 0) > (counts.get(best) ?? 0)) {
      best = delimiter;
    }
  }

  return best;
}

/** The first line of a text (without its line end), for delimiter detection. */
export function firstLine(text: string): string {
  const end = text.search(/\r?\n/);

  return end === -1 ? text : text.slice(0, end);
}
