// A CommonJS caller of the learner's report.js. Usage: node caller.cjs SCENARIO
'use strict';
const { report, same, show, describeError } = require('./check.cjs');

const items = [{ name: 'tea', cents: 1999 }, { name: 'bag', cents: 1 }];

const scenarios = {
  // Load does not catch: a report.js that cannot load shows node's own error.
  load() {
    const r = require('./app/report.js');
    const missing = ['formatTotal', 'convertTotal'].filter((n) => typeof r[n] !== 'function');
    report(missing.length === 0, "require('./report.js') exports formatTotal and convertTotal",
      `it exports ${show(r)}`);
  },

  sync() {
    const { formatTotal } = require('./app/report.js');
    let got;
    try {
      got = formatTotal(items);
    } catch (err) {
      return report(false, "formatTotal(items) returns '$20.00'", `formatTotal(items) threw ${describeError(err)}`);
    }
    if (got instanceof Promise) {
      got.catch(() => {});
      return report(false, "formatTotal(items) returns '$20.00'", 'formatTotal(items) returned a Promise, not a string');
    }
    same('formatTotal(items)', '$20.00', got);
  },

  async convert() {
    const { convertTotal } = require('./app/report.js');
    const result = convertTotal(items, 'EUR');
    if (!(result instanceof Promise)) {
      return report(false, 'convertTotal(items, currency) returns a Promise', `it returned ${show(result)}`);
    }
    try {
      same("await convertTotal(items, 'EUR'), then 'GBP'", ['€18.40', '£15.80'],
        [await result, await convertTotal(items, 'GBP')]);
    } catch (err) {
      report(false, "convertTotal(items, 'EUR') resolves to '€18.40'", `it rejected: ${describeError(err)}`);
    }
  },

  // The race: convertTotal starts an import() and, before it settles,
  // formatTotal runs, as in an app serving two requests.
  async together() {
    const { formatTotal, convertTotal } = require('./app/report.js');
    const pending = convertTotal(items, 'EUR');
    let now;
    try {
      now = formatTotal(items);
    } catch (err) {
      pending.catch(() => {});
      return report(false, "formatTotal(items) is '$20.00' while convertTotal is loading",
        `formatTotal(items) threw ${describeError(err)}`);
    }
    let later;
    try {
      later = await pending;
    } catch (err) {
      later = `a rejection: ${describeError(err)}`;
    }
    same('formatTotal(items) called while convertTotal(items, \'EUR\') is pending, then the conversion',
      ['$20.00', '€18.40'], [now, later]);
  },
};

Promise.resolve(scenarios[process.argv[2]]()).catch((err) => {
  report(false, 'the scenario runs', describeError(err));
});
