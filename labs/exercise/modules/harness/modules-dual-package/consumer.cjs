// A CommonJS consumer of the learner's package, installed as
// node_modules/tempconv. Usage: node consumer.cjs SCENARIO
'use strict';
const { report, same, show, describeError } = require('./check.cjs');

const scenarios = {
  // Load does not catch: a package that cannot load shows node's own error.
  load() {
    const tc = require('tempconv');
    report(typeof tc.toCelsius === 'function',
      "require('tempconv') returns the API",
      `require('tempconv') returned ${show(tc)}`);
  },

  require() {
    const tc = require('tempconv');
    same("require('tempconv'): toCelsius(212), toFahrenheit(100), convert(0, 'C', 'K')",
      [100, 212, 273.15],
      [tc.toCelsius(212), tc.toFahrenheit(100), tc.convert(0, 'C', 'K')]);
  },

  private() {
    let observed;
    try {
      require('tempconv/lib/convert.js');
      observed = 'it loads: lib/ is public';
    } catch (err) {
      observed = `it throws ${err.code || describeError(err)}`;
    }
    report(observed === 'it throws ERR_PACKAGE_PATH_NOT_EXPORTED',
      "require('tempconv/lib/convert.js') throws ERR_PACKAGE_PATH_NOT_EXPORTED",
      `require('tempconv/lib/convert.js'): ${observed}`);
  },

  pkgjson() {
    let observed;
    try {
      observed = `name ${show(require('tempconv/package.json').name)}`;
    } catch (err) {
      observed = describeError(err);
    }
    report(observed === "name 'tempconv'", "require('tempconv/package.json') returns the manifest",
      `require('tempconv/package.json'): ${observed}`);
  },
};

scenarios[process.argv[2]]();
