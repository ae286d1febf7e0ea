import { Injectable } from '@nestjs/common';
import type { HttpRequest } from '../../common/http';
import { ApiKeysService } from './api-keys.service';
import { Identity, knownIdentity, rememberIdentity } from './caller';
import { presentedKey } from './key-material';

/** Works out who a request comes from, once: the rate limit and the access check both ask. */
@Injectable()
export class CallerResolver {
  constructor(private readonly keys: ApiKeysService) {}

  async identify(request: HttpRequest): Promise<Identity> {
    const known = knownIdentity(request);
    if (known) {
      return known;
    }
    const key = presentedKey(request.headers);
    if (key === undefined) {
      return rememberIdentity(request, { kind: 'anonymous' });
    }
    if (key === null) {
      return rememberIdentity(request, {
        kind: 'rejected',
        code: 'api_key_invalid',
        message: 'Send the key as "Authorization: Bearer <key>" or in the x-api-key header.',
      });
    }

    return rememberIdentity(request, await this.keys.identify(key));
  }
}
