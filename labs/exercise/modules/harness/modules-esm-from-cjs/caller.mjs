// An ES module that imports the learner's CommonJS report.js, as the
// shop's newer code does. Usage: node caller.mjs
import check from './check.cjs';
import report from './app/report.js';

const { same, describeError } = check;
const items = [{ name: 'tea', cents: 1999 }, { name: 'bag', cents: 1 }];

try {
  const pending = report.convertTotal(items, 'GBP');
  same("from an ES module: formatTotal(items), await convertTotal(items, 'GBP')",
    ['$20.00', '£15.80'], [report.formatTotal(items), await pending]);
} catch (err) {
  check.report(false, "from an ES module: formatTotal(items) is '$20.00'", `it threw ${describeError(err)}`);
}
