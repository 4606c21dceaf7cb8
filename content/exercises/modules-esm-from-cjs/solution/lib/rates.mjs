// Exchange rates. This ES module reads its table with top-level await, so
// loading it is asynchronous.
import { readFile } from 'node:fs/promises';
import { formatCents } from './money.mjs';

const table = JSON.parse(await readFile(new URL('./rates.json', import.meta.url), 'utf8'));

// convert turns US cents into cents of another currency.
export function convert(cents, currency) {
  const rate = table.rates[currency];
  if (rate === undefined) {
    throw new RangeError(`no exchange rate for ${currency}`);
  }
  return Math.round(cents * rate);
}

// formatIn converts US cents and formats them in that currency.
export function formatIn(cents, currency) {
  return formatCents(convert(cents, currency), currency);
}
