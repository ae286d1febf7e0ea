import { Injectable } from '@nestjs/common';

/** The time as delivery sees it, epoch milliseconds; tests replace `now` to move it. */
@Injectable()
export class DeliveryClock {
  now(): number {
    return Date.now();
  }
}
