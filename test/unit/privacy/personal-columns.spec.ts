import { UserError } from '../../../src/common/errors';
import type { ColumnSchema, ColumnType } from '../../../src/modules/datasets/dataset-schema';
import { ProfileBuilder } from '../../../src/modules/datasets/dataset-profile';
import { convertRecord } from '../../../src/modules/datasets/row-conversion';
import { resolveSchema } from '../../../src/modules/datasets/schema-resolution';
import { ColumnScan } from '../../../src/modules/datasets/type-inference';
import { planDeliveries } from '../../../src/modules/delivery/planning';
import { trainModel } from '../../../src/modules/models/training';
import {
  flagPersonal,
  looksPersonal,
  nameWords,
  personalPayload,
  trainingColumns,
} from '../../../src/modules/privacy/personal-columns';
import { fakeLinearPlugin, syntheticCustomers } from '../models/fake-plugins';

const column = (name: string, type: ColumnType, role: ColumnSchema['role'] = 'feature') => ({
  name,
  type,
  role,
});

function scan(name: string, values: string[]): ColumnScan {
  const stats = new ColumnScan(name);
  values.forEach((value) => stats.add(value));

  return stats;
}

function caught(work: () => unknown): UserError {
  try {
    work();
  } catch (error) {
    return error as UserError;
  }
  throw new Error('expected an error');
}

describe('personal columns by name', () => {
  it('reads the words of a name in any spelling', () => {
    expect(nameWords('firstName')).toEqual(['first', 'name']);
    expect(nameWords('First Name')).toEqual(['first', 'name']);
    expect(nameWords('e-mail')).toEqual(['e', 'mail']);
    expect(nameWords('EmailAddress')).toEqual(['email', 'address']);
  });

  it('flags text named like an email, phone, name or address, and numeric phones', () => {
    const personal: [string, ColumnType][] = [
      ['email', 'identifier'],
      ['E-Mail', 'categorical'],
      ['first_name', 'categorical'],
      ['lastName', 'categorical'],
      ['surname', 'categorical'],
      ['mobile', 'numeric'],
      ['phone_number', 'identifier'],
      ['street_address', 'categorical'],
    ];
    const ordinary: [string, ColumnType][] = [
      ['email_opens', 'numeric'],
      ['email_opt_in', 'boolean'],
      ['contact', 'categorical'],
      ['campaign', 'numeric'],
      ['balance', 'numeric'],
      ['signup_date', 'date'],
      ['name_length', 'numeric'],
    ];

    expect(personal.filter(([name, type]) => !looksPersonal(name, type))).toEqual([]);
    expect(ordinary.filter(([name, type]) => looksPersonal(name, type))).toEqual([]);
  });

  it('takes the given list as the whole truth, and never flags the target or id by name', () => {
    const columns = [
      column('email', 'identifier', 'id'),
      column('first_name', 'categorical'),
      column('ssn', 'identifier', 'excluded'),
      column('name', 'categorical', 'target'),
    ];

    expect(flagPersonal(columns, undefined).map((c) => c.personal)).toEqual([
      undefined,
      'inferred',
      undefined,
      undefined,
    ]);
    expect(flagPersonal(columns, ['ssn']).map((c) => c.personal)).toEqual([
      undefined,
      undefined,
      'given',
      undefined,
    ]);
    expect(flagPersonal(columns, []).some((c) => c.personal !== undefined)).toBe(false);
  });
});

describe('personal columns on import', () => {
  const stats = [
    scan('customer_id', ['c1', 'c2', 'c3']),
    scan('email', ['a@x.org', 'b@x.org', 'c@x.org']),
    scan('first_name', ['Ann', 'Bob', 'Ann']),
    scan('age', ['30', '41', '52']),
    scan('y', ['yes', 'no', 'yes']),
  ];

  it('resolves the flags with the schema, and refuses unknown columns and the target', () => {
    const inferred = resolveSchema(stats, { idColumn: 'customer_id', target: 'y' });
    const given = resolveSchema(stats, { idColumn: 'customer_id', personal: ['age'] });

    expect(inferred.columns.filter((c) => c.personal).map((c) => [c.name, c.personal])).toEqual([
      ['email', 'inferred'],
      ['first_name', 'inferred'],
    ]);
    expect(given.columns.filter((c) => c.personal).map((c) => c.name)).toEqual(['age']);
    const unknown = caught(() => resolveSchema(stats, { personal: ['age', 'emial'] }));
    expect(unknown.code).toBe('dataset_column_unknown');
    expect(unknown.details).toEqual([
      { path: '$.personal[1]', field: 'emial', message: 'no such column' },
    ]);
    const target = caught(() => resolveSchema(stats, { target: 'y', personal: ['y'] }));
    expect(target.code).toBe('dataset_option_conflict');
    expect(target.details[0].path).toBe('$.personal[0]');
  });

  it('profiles personal columns without their values, and says which were flagged by name', () => {
    const schema = {
      columns: [
        { ...column('first_name', 'categorical'), personal: 'inferred' as const },
        { ...column('phone', 'numeric'), personal: 'given' as const },
        column('age', 'numeric'),
      ],
    };
    const builder = new ProfileBuilder(schema);
    builder.add(['Ann', 5550101, 30], null);
    builder.add(['Ann', 5550102, 40], null);
    const profile = builder.build(0);
    const [name, phone, age] = profile.columns;

    expect(name).toEqual({
      name: 'first_name',
      type: 'categorical',
      role: 'feature',
      personal: 'inferred',
      missing: 0,
      distinct: 1,
      distinctAtLeast: false,
    });
    expect(phone).not.toHaveProperty('min');
    expect(phone).not.toHaveProperty('mean');
    expect(age).toMatchObject({ min: 30, max: 40 });
    expect(JSON.stringify(profile)).not.toContain('Ann');
    expect(JSON.stringify(profile)).not.toContain('555010');
    expect(profile.notes).toHaveLength(1);
    expect(profile.notes?.[0]).toContain('Flagged personal from its name: first_name.');
  });

  it('keeps the value of a personal column out of a bad row', () => {
    const schema = {
      columns: [
        { ...column('phone', 'numeric'), personal: 'given' as const },
        column('age', 'numeric'),
      ],
    };
    const phone = convertRecord({ line: 2, row: 1, cells: ['+1 555 0101', '30'] }, schema, 'd');
    const age = convertRecord({ line: 3, row: 2, cells: ['5550101', 'thirty'] }, schema, 'd');

    expect(phone.ok).toBe(false);
    expect(JSON.stringify(phone)).not.toContain('555');
    expect(!phone.ok && phone.bad.message).toBe(
      'the value (not shown: personal column) is not a number',
    );
    expect(!age.ok && age.bad.message).toBe('"thirty" is not a number');
  });
});

describe('personal columns in training', () => {
  const data = syntheticCustomers(1200);
  const withName = {
    ...data,
    schema: {
      ...data.schema,
      columns: [
        ...data.schema.columns,
        { ...column('first_name', 'categorical'), personal: 'inferred' as const },
      ],
    },
    records: data.records.map((record, i) => ({ ...record, first_name: ['Ann', 'Bob'][i % 2] })),
  };
  const params = { epochs: 100, learningRate: 0.5 };

  it('drops personal features before the pipeline is fitted, unless allowed', async () => {
    const dropped = await trainModel({ data: withName, plugin: fakeLinearPlugin(), params });
    const allowed = await trainModel({
      data: withName,
      plugin: fakeLinearPlugin(),
      params,
      options: { allowPersonalFeatures: true, cvFolds: 2 },
    });

    expect(dropped.featureNames.some((name) => name.startsWith('first_name'))).toBe(false);
    expect(dropped.metrics.personal).toEqual({
      allowed: false,
      columns: ['first_name'],
      dropped: ['first_name'],
    });
    expect(allowed.featureNames.some((name) => name.startsWith('first_name'))).toBe(true);
    expect(allowed.metrics.personal).toEqual({
      allowed: true,
      columns: ['first_name'],
      dropped: [],
    });
  });

  it('refuses a dataset whose every feature is personal', () => {
    const error = caught(() =>
      trainingColumns(
        [
          { ...column('email', 'categorical'), personal: 'given' },
          column('y', 'boolean', 'target'),
        ],
        false,
      ),
    );

    expect(error.code).toBe('training_only_personal_features');
    expect(error.status).toBe(422);
  });
});

describe('personal attributes in payloads', () => {
  const action = {
    runId: 'run_1',
    campaignId: 'spring',
    decisionId: 'dec_1',
    customerId: 'c-1',
    type: 'email' as const,
    params: {},
    score: 0.5,
    modelVersion: 'mv_1',
    attributes: { email: 'ann@example.com', first_name: 'Ann', age: 30 },
  };
  const endpoint = (id: string, includePersonal?: string[]) => ({
    id,
    actionTypes: ['email' as const, 'ad' as const],
    enabled: true,
    batchSize: 10,
    includePersonal,
  });

  it('sends an endpoint exactly the personal attributes it lists, and others none', () => {
    const planned = planDeliveries(
      [action, { ...action, decisionId: 'dec_2', type: 'ad' }],
      [endpoint('ep_mail', ['email', 'phone']), endpoint('ep_plain'), endpoint('ep_empty', [])],
      new Date('2026-12-01T09:00:00.000Z'),
    );
    const payload = (id: string, type: string) =>
      JSON.stringify(planned.find((p) => p.endpointId === id && p.actionType === type)?.envelope);

    expect(JSON.parse(payload('ep_mail', 'email')).data.personal).toEqual({
      email: 'ann@example.com',
      phone: null,
    });
    expect(JSON.parse(payload('ep_mail', 'ad')).data.actions[0].personal).toEqual({
      email: 'ann@example.com',
      phone: null,
    });
    for (const id of ['ep_plain', 'ep_empty']) {
      expect(payload(id, 'email')).not.toContain('ann@example.com');
      expect(payload(id, 'email')).not.toContain('personal');
    }
    expect(payload('ep_mail', 'email')).not.toContain('Ann"');
  });

  it('picks the listed attributes, null when missing, nothing for no list', () => {
    expect(personalPayload({ email: 'a@x.org' }, ['email', 'phone'])).toEqual({
      email: 'a@x.org',
      phone: null,
    });
    expect(personalPayload({ email: 'a@x.org' }, [])).toBeUndefined();
    expect(personalPayload(undefined, ['email'])).toEqual({ email: null });
  });
});
