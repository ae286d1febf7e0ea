import { toErrorResponse } from '../../../src/common/error.filter';

/** Node's error when a client closes the connection before its body has all arrived. */
function aborted(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

describe('toErrorResponse', () => {
  it('answers a body the client cut short with a 400, and logs no fault of ours', () => {
    const logger = { error: jest.fn() };

    const answer = toErrorResponse(aborted(), logger, 'cut-1');

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'request_aborted' } } });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('answers anything else unknown with a 500 whose error id is logged with the request id', () => {
    const logger = { error: jest.fn() };

    const answer = toErrorResponse(
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      logger,
      'req-9',
    );

    expect(answer.status).toBe(500);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ errorId: answer.body.error.errorId, reqId: 'req-9' }),
      'Unexpected error',
    );
  });
});
