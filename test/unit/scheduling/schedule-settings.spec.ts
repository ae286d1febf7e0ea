import type { ErrorDetail } from '../../../src/common/errors';
import {
  parseScheduleSettings,
  patchScheduleSettings,
  SourceParser,
} from '../../../src/modules/scheduling/schedule-settings';

/** Accepts `{ kind: 'dataset', datasetId }` only, as the built-in source does. */
const parseSource: SourceParser = (input, path, problems: ErrorDetail[]) => {
  const source = input as { kind?: unknown; datasetId?: unknown };
  if (source?.kind !== 'dataset' || typeof source.datasetId !== 'string') {
    problems.push({ path: `${path}.datasetId`, message: 'must name an imported dataset' });

    return undefined;
  }

  return { kind: 'dataset', datasetId: source.datasetId } as never;
};

const minimal = {
  modelName: 'bank',
  cron: '0 3 * * *',
  source: { kind: 'dataset', datasetId: 'd1' },
};

function problemsOf(run: () => unknown): ErrorDetail[] {
  try {
    run();
  } catch (error) {
    expect(error).toMatchObject({ code: 'schedule_invalid', status: 400 });

    return (error as { details: ErrorDetail[] }).details;
  }
  throw new Error('expected a schedule_invalid error');
}

describe('parseScheduleSettings', () => {
  it('fills in every default', () => {
    expect(parseScheduleSettings(minimal, parseSource)).toEqual({
      modelName: 'bank',
      cron: '0 3 * * *',
      timeZone: 'UTC',
      source: { kind: 'dataset', datasetId: 'd1' },
      plugins: null,
      metric: 'rocAuc',
      margin: 0.002,
      guards: { minRows: 1000, requireBothClasses: true, maxEceIncrease: 0.02 },
      drift: { mode: 'always', threshold: 0.2 },
      testShare: 0.2,
      enabled: true,
    });
  });

  it('names $.cron and $.timeZone when they are wrong', () => {
    const problems = problemsOf(() =>
      parseScheduleSettings(
        { ...minimal, cron: '0 25 * * *', timeZone: 'Mars/Olympus' },
        parseSource,
      ),
    );

    expect(problems.map((p) => p.path)).toEqual(['$.cron', '$.timeZone']);
    expect(problems[0].message).toContain('"0 25 * * *" is not a usable cron expression');
    expect(problems[1].message).toContain('"Mars/Olympus" is not one');
  });

  it('refuses host-dependent zones, expressions that never fire and seven fields', () => {
    const paths = (body: object) =>
      problemsOf(() => parseScheduleSettings(body, parseSource)).map((p) => p.path);

    expect(paths({ ...minimal, timeZone: 'local' })).toEqual(['$.timeZone']);
    expect(paths({ ...minimal, cron: '0 0 31 2 *' })).toEqual(['$.cron']);
    expect(paths({ ...minimal, cron: '* * * * * * *' })).toEqual(['$.cron']);
  });

  it('reports every problem at once, each with its JSON path', () => {
    const problems = problemsOf(() =>
      parseScheduleSettings(
        {
          modelName: 'has space',
          source: { kind: 'dataset' },
          plugins: [{ id: 'logistic', params: 3, extra: true }],
          metric: 'accuracy',
          margin: -0.1,
          guards: { minRows: 5, maxEceIncrease: 2 },
          drift: { mode: 'sometimes', threshold: 0 },
          testShare: 0.9,
          enabled: 'yes',
          colour: 'blue',
        },
        parseSource,
      ),
    );

    expect(problems.map((p) => p.path)).toEqual([
      '$.colour',
      '$.modelName',
      '$.cron',
      '$.source.datasetId',
      '$.plugins[0].extra',
      '$.plugins[0].params',
      '$.metric',
      '$.margin',
      '$.testShare',
      '$.enabled',
      '$.guards.minRows',
      '$.guards.maxEceIncrease',
      '$.drift.mode',
      '$.drift.threshold',
    ]);
  });
});

describe('patchScheduleSettings', () => {
  const current = parseScheduleSettings(
    { ...minimal, plugins: [{ id: 'svm' }], drift: { mode: 'on_drift', threshold: 0.3 } },
    parseSource,
  );

  it('changes only the fields given, guards and drift field by field', () => {
    const patched = patchScheduleSettings(
      current,
      {
        timeZone: 'Europe/Lisbon',
        guards: { minRows: 500 },
        drift: { threshold: 0.1 },
        plugins: null,
      },
      parseSource,
    );

    expect(patched).toEqual({
      ...current,
      timeZone: 'Europe/Lisbon',
      guards: { ...current.guards, minRows: 500 },
      drift: { mode: 'on_drift', threshold: 0.1 },
      plugins: null,
    });
  });

  it('refuses to move the schedule to another model', () => {
    expect(
      problemsOf(() => patchScheduleSettings(current, { modelName: 'other' }, parseSource)),
    ).toEqual([
      {
        path: '$.modelName',
        message: 'cannot be changed; delete this schedule and create one for the other model',
      },
    ]);
  });
});
