import { UserError } from '../../../src/common/errors';
import {
  choosePositiveLabel,
  resolveSchema,
  targetClasses,
} from '../../../src/modules/datasets/schema-resolution';
import { ColumnScan } from '../../../src/modules/datasets/type-inference';

function stats(columns: Record<string, string[]>): ColumnScan[] {
  return Object.entries(columns).map(([name, values]) => {
    const column = new ColumnScan(name);
    values.forEach((value) => column.add(value));

    return column;
  });
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof UserError ? error.code : 'not a UserError';
  }

  return undefined;
}

const bankLike = stats({
  customer_id: ['a1', 'a2', 'a3', 'a4'],
  age: ['30', '33', '35', '30'],
  job: ['admin.', 'services', 'admin.', 'retired'],
  duration: ['79', '220', '185', '199'],
  email: ['a@x.pt', 'b@x.pt', 'c@x.pt', 'd@x.pt'],
  y: ['no', 'yes', 'no', 'no'],
});

describe('resolveSchema', () => {
  it('gives the target, the id, excluded columns and features their roles', () => {
    const schema = resolveSchema(bankLike, { target: 'y', exclude: ['duration'] });

    expect(schema.columns.map((c) => `${c.name}:${c.type}:${c.role}`)).toEqual([
      'customer_id:identifier:id',
      'age:numeric:feature',
      'job:categorical:feature',
      'duration:numeric:excluded',
      // Unique text over 4 rows is not enough to call it an identifier.
      'email:categorical:feature',
      'y:boolean:target',
    ]);
    expect(schema.idColumn).toBe('customer_id');
    expect(schema.target).toBe('y');
  });

  it('applies type overrides and a named id column', () => {
    const schema = resolveSchema(bankLike, {
      idColumn: 'email',
      types: { age: 'categorical', y: 'categorical' },
    });

    expect(schema.idColumn).toBe('email');
    expect(schema.columns.find((c) => c.name === 'email')).toEqual({
      name: 'email',
      type: 'identifier',
      role: 'id',
    });
    // An identifier that is not the id is never fed to a model.
    expect(schema.columns.find((c) => c.name === 'customer_id')?.role).toBe('excluded');
    expect(schema.columns.find((c) => c.name === 'age')?.type).toBe('categorical');
    expect(schema.columns.find((c) => c.name === 'y')?.role).toBe('feature');
  });

  it('refuses unknown columns, unknown types, a missing target and a target in two roles', () => {
    expect(codeOf(() => resolveSchema(bankLike, { exclude: ['durration'] }))).toBe(
      'dataset_column_unknown',
    );
    expect(codeOf(() => resolveSchema(bankLike, { types: { age: 'integer' } }))).toBe(
      'dataset_type_invalid',
    );
    expect(codeOf(() => resolveSchema(bankLike, { target: 'subscribed' }))).toBe(
      'dataset_target_missing',
    );
    expect(codeOf(() => resolveSchema(bankLike, { target: 'y', exclude: ['y'] }))).toBe(
      'dataset_option_conflict',
    );
  });

  it('names the JSON path of an unknown column', () => {
    try {
      resolveSchema(bankLike, { exclude: ['age', 'durration'] });
    } catch (error) {
      expect((error as UserError).details).toEqual([
        { path: '$.exclude[1]', field: 'durration', message: 'no such column' },
      ]);
    }
    expect.assertions(1);
  });
});

describe('choosePositiveLabel', () => {
  const classes = (values: string[], type: 'boolean' | 'categorical' | 'numeric') =>
    targetClasses(stats({ t: values })[0], type);

  it('counts classes the way the target type spells them', () => {
    expect([...classes(['Yes', 'yes', 'no'], 'boolean')]).toEqual([
      ['yes', 2],
      ['no', 1],
    ]);
  });

  it('takes the given label, matched like the classes', () => {
    const label = choosePositiveLabel({
      target: 'y',
      type: 'boolean',
      classes: classes(['yes', 'no'], 'boolean'),
      given: 'YES',
    });

    expect(label).toBe('yes');
  });

  it('picks the yes/true/1 class of a two-class target by itself', () => {
    const pick = (values: string[], type: 'boolean' | 'categorical' | 'numeric') =>
      choosePositiveLabel({ target: 't', type, classes: classes(values, type) });

    expect(pick(['no', 'yes'], 'boolean')).toBe('yes');
    expect(pick(['0', '1'], 'boolean')).toBe('1');
    expect(pick(['0', '1.0'], 'numeric')).toBe('1');
  });

  it('fails on one class, on a label that never occurs, and when it cannot choose', () => {
    const run = (values: string[], given?: string) => () =>
      choosePositiveLabel({
        target: 't',
        type: 'categorical',
        classes: classes(values, 'categorical'),
        given,
      });

    expect(codeOf(run(['no', 'no']))).toBe('dataset_target_one_class');
    expect(codeOf(run([]))).toBe('dataset_target_one_class');
    expect(codeOf(run(['no', 'yes'], 'maybe'))).toBe('dataset_positive_label_missing');
    expect(codeOf(run(['Mens E-Mail', 'Womens E-Mail', 'No E-Mail']))).toBe(
      'dataset_positive_label_required',
    );
    expect(codeOf(run(['churned', 'stayed']))).toBe('dataset_positive_label_required');
  });
});
