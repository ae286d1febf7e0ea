import { UserError } from '../../../src/common/errors';
import type { ColumnSchema } from '../../../src/modules/datasets/dataset-schema';
import { fitPipeline } from '../../../src/modules/preprocessing/pipeline';
import {
  checkCustomer,
  customerProblems,
  inputColumns,
} from '../../../src/modules/scoring/customer-input';

const columns: ColumnSchema[] = [
  { name: 'age', type: 'numeric', role: 'feature' },
  { name: 'job', type: 'categorical', role: 'feature' },
  { name: 'member', type: 'boolean', role: 'feature' },
  { name: 'joined', type: 'date', role: 'feature' },
  { name: 'email', type: 'categorical', role: 'excluded' },
  { name: 'y', type: 'categorical', role: 'target' },
];

const records = [
  { age: 30, job: 'admin.', member: true, joined: '2020-01-01', email: 'a@x', y: 'no' },
  { age: 45, job: 'management', member: false, joined: '2019-05-01', email: 'b@x', y: 'yes' },
  { age: 52, job: 'admin.', member: true, joined: '2021-07-15', email: 'c@x', y: 'no' },
];

const stored = JSON.parse(JSON.stringify(fitPipeline({ records, columns }).pipeline));
const inputs = inputColumns(stored);

describe('inputColumns', () => {
  it('lists the feature columns a stored pipeline reads, with their types', () => {
    expect(inputs).toEqual([
      { name: 'age', type: 'numeric' },
      { name: 'job', type: 'categorical' },
      { name: 'member', type: 'boolean' },
      { name: 'joined', type: 'date' },
    ]);
  });
});

describe('customerProblems', () => {
  it('accepts values of the right type, numeric text, and missing attributes', () => {
    expect(
      customerProblems({ age: 41, job: 'admin.', member: 'yes', joined: '2022-03-01' }, inputs),
    ).toEqual([]);
    expect(customerProblems({ age: ' 41.5 ', member: 0 }, inputs)).toEqual([]);
    expect(customerProblems({ age: null, job: '', unknownColumn: [1, 2] }, inputs)).toEqual([]);
  });

  it('names each attribute of the wrong type by its JSON path', () => {
    const problems = customerProblems(
      { age: 'forty', job: 7, member: 'maybe', joined: '2023-02-30' },
      inputs,
    );

    expect(problems.map((p) => p.path)).toEqual([
      '$.customer.age',
      '$.customer.job',
      '$.customer.member',
      '$.customer.joined',
    ]);
    expect(problems[0]).toMatchObject({ field: 'age', message: expect.stringContaining('number') });
    expect(problems[0].message).toContain('"forty"');
  });

  it('refuses objects and arrays as attribute values', () => {
    expect(customerProblems({ age: { years: 40 } }, inputs).map((p) => p.path)).toEqual([
      '$.customer.age',
    ]);
    expect(customerProblems({ job: ['admin.'] }, inputs).map((p) => p.path)).toEqual([
      '$.customer.job',
    ]);
  });

  it('refuses a customer that is not an object', () => {
    expect(customerProblems([1, 2], inputs)).toEqual([
      { path: '$.customer', message: expect.stringContaining('object') },
    ]);
  });
});

describe('checkCustomer', () => {
  it('throws customer_attributes_invalid (400) whose message names the path', () => {
    let error: unknown;
    try {
      checkCustomer({ age: 'forty' }, inputs);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'customer_attributes_invalid', status: 400 });
    expect((error as UserError).message).toContain('$.customer.age must be a number');
  });

  it('returns the attributes as they were when they fit', () => {
    const customer = { age: 41, job: 'admin.' };

    expect(checkCustomer(customer, inputs)).toBe(customer);
  });
});
