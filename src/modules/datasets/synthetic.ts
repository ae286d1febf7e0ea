import * as fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { createRandom } from '../../common/random';

/**
 * A seeded synthetic customer base for trying Bullseye without data of one's own: attributes
 * of the kinds real files have (numbers, categories, booleans, dates, some values missing)
 * and a response drawn from a known logistic model of them, so a trained model has something
 * real to find (about 14% respond).
 */
export interface SyntheticCustomer {
  customer_id: string;
  age: number;
  income: number | null;
  tenure_months: number;
  region: string;
  channel: string;
  plan: string;
  visits_30d: number;
  days_since_purchase: number;
  email_opt_in: boolean;
  signup_date: string;
  responded: 'yes' | 'no';
}

const REGIONS = ['north', 'south', 'east', 'west', 'central'];
const CHANNELS = ['web', 'store', 'phone', 'app'];
const PLANS = ['basic', 'plus', 'premium'];

export function* syntheticCustomers(args: {
  rows: number;
  seed: number;
}): Generator<SyntheticCustomer> {
  const random = createRandom(`synthetic-${args.seed}`);
  const pick = <T>(items: readonly T[]): T => items[random.int(items.length)];
  const signupStart = Date.UTC(2015, 0, 1);
  const day = 24 * 3600 * 1000;

  for (let i = 0; i < args.rows; i++) {
    const age = Math.round(Math.min(90, Math.max(18, 42 + 13 * random.normal())));
    const income =
      random.next() < 0.04 ? null : Math.round(Math.exp(10.6 + 0.45 * random.normal()));
    const tenure = Math.floor(random.next() * 120);
    const region = pick(REGIONS);
    const channel = pick(CHANNELS);
    const plan = random.next() < 0.6 ? 'basic' : pick(PLANS);
    const visits = Math.floor(-Math.log(1 - random.next()) * 3);
    const sincePurchase = Math.floor(-Math.log(1 - random.next()) * 60);
    const optIn = random.next() < 0.7;
    const logit =
      -2.9 +
      0.35 * Math.min(visits, 10) -
      0.012 * sincePurchase +
      (plan === 'premium' ? 0.8 : plan === 'plus' ? 0.4 : 0) +
      (channel === 'app' ? 0.5 : channel === 'phone' ? -0.3 : 0) +
      (optIn ? 0.4 : -0.6) +
      0.00001 * ((income ?? 40000) - 40000) +
      (age > 60 ? 0.3 : 0);
    const responded = random.next() < 1 / (1 + Math.exp(-logit)) ? 'yes' : 'no';

    yield {
      customer_id: `C${String(i + 1).padStart(7, '0')}`,
      age,
      income,
      tenure_months: tenure,
      region,
      channel,
      plan,
      visits_30d: visits,
      days_since_purchase: sincePurchase,
      email_opt_in: optIn,
      signup_date: new Date(signupStart + Math.floor(random.next() * 3650) * day)
        .toISOString()
        .slice(0, 10),
      responded,
    };
  }
}

/** Writes the synthetic customers to a CSV file, streamed. */
export async function writeSyntheticCsv(
  file: string,
  args: { rows: number; seed: number },
): Promise<void> {
  const out = fs.createWriteStream(file);
  const csv = stringify({ header: true, cast: { boolean: (v) => (v ? 'true' : 'false') } });
  csv.pipe(out);
  for (const customer of syntheticCustomers(args)) {
    if (!csv.write(customer)) {
      await once(csv, 'drain');
    }
  }
  csv.end();
  await once(out, 'finish');
}
