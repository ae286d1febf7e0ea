import { BadRequestException } from '@nestjs/common';
import { SchemaBodyPipe } from '../../../src/common/json-schema';
import {
  SCORE_REQUEST_SCHEMA,
  ScoreRequest,
} from '../../../src/modules/scoring/dto/score-request.dto';

/** What the pipe answers `body` with: the details of its validation_failed, or the body. */
function answer(body: unknown): unknown {
  try {
    return new SchemaBodyPipe<ScoreRequest>(SCORE_REQUEST_SCHEMA).transform(body);
  } catch (error) {
    const response = (error as BadRequestException).getResponse() as {
      code: string;
      details: unknown;
    };

    return { code: response.code, details: response.details };
  }
}

describe('SchemaBodyPipe (the body check of POST /score)', () => {
  it('passes a valid body as it is', () => {
    const body = { model: 'bank', version: 2, customer: { age: 41 } };

    expect(answer(body)).toBe(body);
  });

  it('words each problem as the other routes do, a JSON path each', () => {
    expect(answer({ version: 0, customerId: '', extra: 1 })).toEqual({
      code: 'validation_failed',
      details: [
        { path: '$.model', message: 'model should not be empty' },
        { path: '$.extra', message: 'property extra should not exist' },
        { path: '$.version', message: 'version must not be less than 1' },
        {
          path: '$.customerId',
          message: 'customerId must be longer than or equal to 1 characters',
        },
      ],
    });
    expect(answer({ model: 1, version: '2', customer: 'x' })).toEqual({
      code: 'validation_failed',
      details: [
        { path: '$.model', message: 'model must be a string' },
        { path: '$.version', message: 'version must be an integer number' },
        { path: '$.customer', message: 'customer must be an object' },
      ],
    });
    expect(answer('bank')).toEqual({
      code: 'validation_failed',
      details: [{ path: '$', message: 'the body must be an object' }],
    });
  });
});
