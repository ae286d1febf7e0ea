import { lookup } from 'node:dns/promises';
import { Injectable } from '@nestjs/common';

/** Host names to addresses, as the system resolver answers. Tests replace it to stage DNS. */
@Injectable()
export class HostResolver {
  /** Every address of `hostname`, in the resolver's order. */
  async resolve(hostname: string): Promise<string[]> {
    const found = await lookup(hostname, { all: true });

    return found.map((entry) => entry.address);
  }
}
