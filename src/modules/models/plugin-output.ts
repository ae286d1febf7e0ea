import { UserError } from '../../common/errors';

/**
 * Checks what a plugin's `predict` returned: one probability per row, each a number in
 * [0, 1]. Anything else would poison calibration and metrics silently, so it stops the
 * training (or the scoring) with a message that names the plugin and the first bad row.
 *
 * @throws UserError `plugin_output_invalid`.
 */
export function checkPluginOutput(
  output: unknown,
  rows: number,
  pluginId: string,
  stage: string,
): Float64Array {
  const fail = (problem: string): never => {
    throw new UserError(
      'plugin_output_invalid',
      `Plugin "${pluginId}" returned invalid probabilities while ${stage}: ${problem}. ` +
        'A plugin must return one probability in [0, 1] per row; fix the plugin or its ' +
        'hyperparameters.',
      422,
      [{ message: problem, pluginId, stage }],
    );
  };
  if (!(output instanceof Float64Array)) {
    return fail(`expected a Float64Array, got ${describe(output)}`);
  }
  if (output.length !== rows) {
    return fail(`expected ${rows} values, got ${output.length}`);
  }
  for (let i = 0; i < output.length; i++) {
    const p = output[i];
    if (Number.isNaN(p)) {
      return fail(`row ${i} is NaN`);
    }
    if (!(p >= 0 && p <= 1)) {
      return fail(`row ${i} is ${p}, outside [0, 1]`);
    }
  }

  return output;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }

  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}
