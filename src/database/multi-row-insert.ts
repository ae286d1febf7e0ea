import type { EntityManager } from 'typeorm';

/** A value as a column receives it. */
export type SqlValue = string | number | boolean | null | undefined;

/**
 * SQLite binds at most 32,766 parameters a statement (`?1` to `?32766`); a statement is cut
 * at 30,000, and a row never binds more than one parameter a column.
 */
const MAX_PARAMETERS = 30_000;

/** `?1` … `?30000`, made once: rows refer to them without making new strings. */
const PLACEHOLDERS: string[] = [];

function placeholder(n: number): string {
  return (PLACEHOLDERS[n] ??= `?${n}`);
}

/**
 * Whether text can stand in the SQL as a literal between quotes: short, printable ASCII and
 * no quote. It then reads back exactly as it would have been bound (nothing to escape, no NUL
 * to end the statement early).
 */
function isPlain(text: string): boolean {
  if (text.length > 64) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x27) return false;
  }

  return true;
}

interface Statement {
  rows: string[];
  params: unknown[];
  shared: Map<string | number, string>;
  fragments: Map<string, string>;
}

/**
 * A multi-row INSERT that binds as few values as it can. The sqlite3 driver converts each
 * bound value on the JavaScript thread before SQLite sees it, about 150 ns for a text and
 * 300 ns for a number or NULL; binding every column of every row made that conversion the
 * largest single cost of a campaign run on that thread. So NULLs, integers, booleans and
 * short plain words are written into the SQL as literals (SQLite parses them on its own
 * thread), a value many rows share is bound once and referred to by number (`?3`), and only
 * the rest is bound per row. Rows go into statements of at most 30,000 parameters.
 *
 * Each row is `begin()`, then its `(…)` built from the placeholders of its values, in column
 * order, then `add(row)`:
 *
 *   insert.begin();
 *   insert.add(`(${insert.value(d.id)}, ${insert.shared(d.runId)}, ${insert.bind(d.text)})`);
 *
 * A row's SQL is one template literal: V8 builds and joins those far faster than pieces
 * pushed one by one.
 */
export class MultiRowInsert {
  private readonly head: string;
  private readonly width: number;
  private readonly statements: Statement[] = [];
  private current: Statement = newStatement();
  private built: { sql: string; params: unknown[] }[] | undefined;

  constructor(table: string, columns: readonly string[]) {
    this.head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
    this.width = columns.length;
  }

  /** Before a row's values: starts a new statement when this one could not bind them all. */
  begin(): void {
    if (this.built !== undefined) {
      throw new Error(`${this.head}… is built already; no row can be added.`);
    }
    if (this.current.params.length + this.width > MAX_PARAMETERS) {
      this.statements.push(this.current);
      this.current = newStatement();
    }
  }

  /** Adds the row begun last: its `(…)`, one placeholder or literal a column. */
  add(row: string): void {
    this.current.rows.push(row);
  }

  /** Bound for this row alone (a number with a fraction, a long or quoted text). */
  bind(value: SqlValue): string {
    if (value === null || value === undefined) return 'NULL';
    const params = this.current.params;
    params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);

    return placeholder(params.length);
  }

  /** Written into the SQL as a literal when that reads back the same; bound otherwise. */
  value(value: SqlValue): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'string') return isPlain(value) ? `'${value}'` : this.bind(value);
    if (typeof value === 'number')
      return Number.isSafeInteger(value) ? `${value}` : this.bind(value);

    return value ? '1' : '0';
  }

  /** Bound once a statement, however many of its rows use it (a run id, a rule's params). */
  shared(value: SqlValue): string {
    if (value === null || value === undefined) return 'NULL';
    const key = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    const shared = this.current.shared;
    let ref = shared.get(key);
    if (ref === undefined) {
      ref = this.bind(key);
      shared.set(key, ref);
    }

    return ref;
  }

  /**
   * A run of columns many rows of the statement share, rendered once a statement: `render`
   * (using `shared`, `value`) runs for the first row with that `key`, and what it returns
   * serves every later row with the same key.
   */
  fragment(key: string, render: () => string): string {
    const fragments = this.current.fragments;
    let sql = fragments.get(key);
    if (sql === undefined) {
      sql = render();
      fragments.set(key, sql);
    }

    return sql;
  }

  /**
   * The statements, SQL and parameters, in the order the rows were added; built once (ahead
   * of the transaction that runs them, if the caller likes), after which rows cannot be added.
   */
  build(): readonly { sql: string; params: unknown[] }[] {
    if (this.built === undefined) {
      const all =
        this.current.rows.length > 0 ? [...this.statements, this.current] : this.statements;
      this.built = all.map((s) => ({ sql: this.head + s.rows.join(', '), params: s.params }));
      this.statements.length = 0;
      this.current = newStatement();
    }

    return this.built;
  }

  /** Runs the statements one after the other through `manager` (the caller's transaction). */
  async execute(manager: EntityManager): Promise<void> {
    for (const { sql, params } of this.build()) {
      await manager.query(sql, params);
    }
  }
}

function newStatement(): Statement {
  return { rows: [], params: [], shared: new Map(), fragments: new Map() };
}
