import { Injectable } from '@nestjs/common';

/** The time as inbound events see it, epoch milliseconds; tests replace `now` to move it. */
@Injectable()
export class EventsClock {
  now(): number {
    return Date.now();
  }
}
