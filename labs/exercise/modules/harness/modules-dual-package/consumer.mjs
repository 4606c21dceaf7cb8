// An ES module consumer of the learner's package, installed as
// node_modules/tempconv. Usage: node consumer.mjs SCENARIO
//
// It uses import() rather than import declarations: a missing named export
// would fail a declaration before any code runs, and the check could not say
// which names were missing.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import check from './check.cjs';

const { report, same, show, describeError } = check;
const require = createRequire(import.meta.url);
const names = ['convert', 'toCelsius', 'toFahrenheit', 'setPrecision'];

async function load() {
  try {
    return { ns: await import('tempconv') };
  } catch (err) {
    return { error: describeError(err) };
  }
}

// isESM says whether node loads file as an ES module: .mjs, or .js under a
// package.json with "type": "module".
function isESM(file) {
  if (extname(file) === '.mjs') return true;
  if (extname(file) !== '.js') return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type === 'module';
    } catch (err) {
      if (err.code !== 'ENOENT' || dirname(dir) === dir) return false;
    }
  }
}

const scenarios = {
  async named() {
    const { ns, error } = await load();
    if (error) return report(false, "import('tempconv') succeeds", `import('tempconv') failed: ${error}`);
    const missing = names.filter((n) => typeof ns[n] !== 'function');
    if (missing.length) {
      const has = Object.keys(ns).filter((k) => k !== 'module.exports');
      return report(false, `named exports ${names.join(', ')}`,
        `no export named ${missing.join(', ')}; the module's exports are: ${has.join(', ') || 'none'}`);
    }
    same('import { toCelsius, toFahrenheit, convert }: toCelsius(212), toFahrenheit(100), convert(0, \'C\', \'K\')',
      [100, 212, 273.15], [ns.toCelsius(212), ns.toFahrenheit(100), ns.convert(0, 'C', 'K')]);
  },

  async default() {
    const { ns, error } = await load();
    if (error) return report(false, "import('tempconv') succeeds", `import('tempconv') failed: ${error}`);
    const api = ns.default;
    const ok = api && typeof api.toCelsius === 'function' && api.toCelsius(212) === 100;
    report(ok, "import tempconv from 'tempconv': tempconv.toCelsius(212) is 100",
      `the default export is ${show(api)}`);
  },

  async conditions() {
    let viaImport;
    try {
      viaImport = fileURLToPath(import.meta.resolve('tempconv'));
    } catch (err) {
      return report(false, 'import resolves to an ES module entry', `import cannot resolve 'tempconv': ${describeError(err)}`);
    }
    const viaRequire = require.resolve('tempconv');
    const pkg = (f) => f.slice(f.lastIndexOf('node_modules/tempconv/') + 'node_modules/tempconv/'.length);
    const ok = viaImport !== viaRequire && isESM(viaImport) && !isESM(viaRequire);
    report(ok, 'import resolves to an ES module entry, require to the CommonJS one',
      `import resolves to ${pkg(viaImport)} (${isESM(viaImport) ? 'an ES module' : 'CommonJS'}), ` +
      `require to ${pkg(viaRequire)} (${isESM(viaRequire) ? 'an ES module' : 'CommonJS'})`);
  },

  async shared() {
    const { ns, error } = await load();
    if (error) return report(false, "import('tempconv') succeeds", `import('tempconv') failed: ${error}`);
    const viaRequire = require('tempconv');
    const convert = ns.convert ?? ns.default?.convert;
    viaRequire.setPrecision(0);
    const after = convert(100, 'F', 'C');
    const why = after === 38 ? '' : ': the import side has its own copy of the state';
    report(after === 38,
      "after require('tempconv').setPrecision(0), the imported convert(100, 'F', 'C') gives 38",
      `it gives ${show(after)}${why}`);
  },
};

await scenarios[process.argv[2]]();
