import { CancelledError, UserError } from '../../../src/common/errors';
import { withinLimits } from '../../../src/modules/models/training-jobs.service';

describe('withinLimits', () => {
  afterEach(() => jest.useRealTimers());

  it('settles with the training when it ends in time', async () => {
    const controller = new AbortController();
    const result = await withinLimits(Promise.resolve(7), {
      pluginId: 'quick',
      seconds: 1,
      controller,
    });

    expect(result).toBe(7);
    expect(controller.signal.aborted).toBe(false);
  });

  it('fails with training_timeout and aborts the signal when the plugin runs over', async () => {
    const controller = new AbortController();
    const hanging = new Promise<never>(() => undefined);
    const started = Date.now();
    const error = await withinLimits(hanging, {
      pluginId: 'stuck',
      seconds: 0.2,
      controller,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'training_timeout', status: 422 });
    expect((error as Error).message).toContain('Plugin "stuck" was still training after 0.2 s');
    expect(controller.signal.aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('gives a cancelled plugin that does not stop five seconds, then ends without it', async () => {
    jest.useFakeTimers();
    const controller = new AbortController();
    const outcome = withinLimits(new Promise<never>(() => undefined), {
      pluginId: 'deaf',
      seconds: 3600,
      controller,
    }).catch((e: unknown) => e);
    controller.abort();
    await jest.advanceTimersByTimeAsync(4900);
    let settled = false;
    void outcome.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(0);

    expect(settled).toBe(false);

    await jest.advanceTimersByTimeAsync(200);

    expect(await outcome).toBeInstanceOf(CancelledError);
  });

  it('passes on a plugin failure as it is', async () => {
    const controller = new AbortController();
    const failing = Promise.reject(new UserError('training_set_empty', 'No rows.'));

    await expect(
      withinLimits(failing, { pluginId: 'x', seconds: 1, controller }),
    ).rejects.toMatchObject({ code: 'training_set_empty' });
  });
});
