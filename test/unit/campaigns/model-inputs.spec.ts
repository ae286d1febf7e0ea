import { hasModelInputs } from '../../../src/modules/campaigns/simulation.service';

describe('hasModelInputs', () => {
  const inputs = ['age', 'job', 'balance', 'housing'];

  it('keeps a customer holding at least half of the model inputs', () => {
    expect(hasModelInputs({ age: 41, job: 'admin.', balance: null, housing: null }, inputs)).toBe(
      true,
    );
    expect(hasModelInputs({ age: 41, job: 'admin.', balance: 10, housing: true }, inputs)).toBe(
      true,
    );
  });

  it('leaves out a customer from another file with other columns', () => {
    // A Hillstrom customer under a bank marketing model: one shared name at most.
    expect(hasModelInputs({ recency: 10, history: 142.4, age: 30 }, inputs)).toBe(false);
    expect(hasModelInputs({ age: '', job: 'x' }, inputs)).toBe(false);
  });
});
