import type { ErrorDetail } from '../../../src/common/errors';
import { parseLabelViewSource } from '../../../src/modules/events/label-view-source';

describe('parseLabelViewSource', () => {
  it('keeps only the fields given', () => {
    const problems: ErrorDetail[] = [];

    expect(parseLabelViewSource({ kind: 'label_view' }, '$.source', problems)).toEqual({
      kind: 'label_view',
    });
    expect(
      parseLabelViewSource(
        { kind: 'label_view', campaignIds: ['c1'], outcome: 'clicked', windowDays: 7 },
        '$.source',
        problems,
      ),
    ).toEqual({ kind: 'label_view', campaignIds: ['c1'], outcome: 'clicked', windowDays: 7 });
    expect(problems).toEqual([]);
  });

  it('reports each bad field under the path of the source', () => {
    const problems: ErrorDetail[] = [];

    const source = parseLabelViewSource(
      { kind: 'label_view', campaignIds: [], outcome: 'bought', windowDays: 0, extra: 1 },
      '$.source',
      problems,
    );

    expect(source).toBeUndefined();
    expect(problems.map((p) => p.path)).toEqual([
      '$.source.extra',
      '$.source.campaignIds',
      '$.source.outcome',
      '$.source.windowDays',
    ]);
  });
});
