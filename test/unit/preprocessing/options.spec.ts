import { UserError } from '../../../src/common/errors';
import {
  DEFAULT_PREPROCESSING,
  resolvePreprocessingOptions,
  validatePreprocessingOptions,
} from '../../../src/modules/preprocessing/options';

function errorOf(input: unknown): UserError {
  try {
    validatePreprocessingOptions(input);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('preprocessing options', () => {
  it('fills in the documented defaults', () => {
    expect(resolvePreprocessingOptions({ outliers: 'drop' })).toEqual({
      numericImpute: 'mean',
      categoricalImpute: 'missing',
      outliers: 'drop',
      outlierSigma: 3,
      standardize: true,
      selection: null,
      maxCategories: 100,
    });
    expect(resolvePreprocessingOptions(undefined)).toEqual(DEFAULT_PREPROCESSING);
  });

  it('accepts a complete, valid set', () => {
    const options = {
      numericImpute: 'median',
      categoricalImpute: 'most_frequent',
      outliers: 'keep',
      outlierSigma: 2.5,
      standardize: false,
      selection: { method: 'mutual_info', k: 10 },
      maxCategories: 20,
    };

    expect(validatePreprocessingOptions(options)).toEqual(options);
  });

  it.each([
    [{ numericImpute: 'avg' }, 'numericImpute'],
    [{ outlierSigma: 0 }, 'outlierSigma'],
    [{ outlierSigma: NaN }, 'outlierSigma'],
    [{ outlierSigma: '3' }, 'outlierSigma'],
    [{ maxCategories: 2.5 }, 'maxCategories'],
    [{ maxCategories: 0 }, 'maxCategories'],
    [{ selection: { method: 'chi2', k: 0 } }, 'selection.k'],
    [{ selection: { method: 'lasso', k: 3 } }, 'selection.method'],
    [{ selection: { method: 'chi2' } }, 'selection.k'],
    [{ standardise: true }, 'standardise'],
    [{ selection: { method: 'chi2', k: 2, top: 1 } }, 'selection.top'],
  ])('refuses %p naming the field %p', (input, field) => {
    const error = errorOf(input);

    expect(error.code).toBe('preprocessing_options_invalid');
    expect(error.status).toBe(400);
    expect(error.details.map((d) => d.field)).toEqual([field]);
    expect(error.details[0].path).toBe(`$.${field}`);
    expect(error.message).toContain(field);
  });

  it('refuses a value that is not an object', () => {
    const error = errorOf('mean');

    expect(error.code).toBe('preprocessing_options_invalid');
    expect(error.details).toHaveLength(1);
    expect(error.details[0].path).toBe('$');
  });

  it('names every bad field at once', () => {
    const error = errorOf({ outliers: 'trim', maxCategories: -1 });

    expect(error.details.map((d) => d.field).sort()).toEqual(['maxCategories', 'outliers']);
  });
});
