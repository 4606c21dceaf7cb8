// check.cjs: what a nodedive harness script uses to report a check's
// outcome. nodedive writes it next to the harness scripts of every check.
//
//   const { report, same, show } = require('./check.cjs');
//   same('toCelsius(212) is 100', 100, toCelsius(212));
//   report(ok, 'what was expected', 'what was observed');
//
// Only the first report of a process counts. The outcome goes to the file
// named by NODEDIVE_RESULT, not stdout, so whatever the learner's code prints
// cannot garble it.
'use strict';
const fs = require('node:fs');
const util = require('node:util');

let reported = false;

// show renders a value the way a learner reads it: strings quoted, objects
// on one line.
function show(value) {
  return util.inspect(value, { depth: 4, breakLength: Infinity, compact: true, sorted: true });
}

function report(pass, expected, observed) {
  if (reported) return;
  reported = true;
  fs.writeFileSync(process.env.NODEDIVE_RESULT, JSON.stringify({
    pass: Boolean(pass),
    expected: typeof expected === 'string' ? expected : show(expected),
    observed: typeof observed === 'string' ? observed : show(observed),
  }));
}

// same reports whether observed deep-equals expected (util.isDeepStrictEqual);
// what says what was compared, in front of the expected value.
function same(what, expected, observed) {
  const pass = util.isDeepStrictEqual(expected, observed);
  report(pass, `${what}: ${show(expected)}`, show(observed));
  return pass;
}

// describeError turns a thrown value into the words a learner needs: its
// class, code and message.
function describeError(err) {
  if (!(err instanceof Error)) return `threw ${show(err)}`;
  const code = err.code ? ` [${err.code}]` : '';
  return `${err.name}${code}: ${err.message.split('\n')[0]}`;
}

module.exports = { report, same, show, describeError };
