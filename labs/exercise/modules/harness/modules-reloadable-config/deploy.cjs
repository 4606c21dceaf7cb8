// Scenarios against the learner's config.js. Usage: node deploy.cjs SCENARIO
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { report, same, show, describeError } = require('./check.cjs');

const file = path.join(__dirname, 'app', 'config.json');
const first = { port: 8080, greeting: 'hello', features: { beta: false } };
const second = { port: 9090, greeting: 'bonjour', features: { beta: true } };

// deploy rewrites config.json the way a deploy would. The file must be
// written before reload() is called, so it is synchronous.
function deploy(text) {
  fs.writeFileSync(file, text);
}

function api() {
  const config = require('./app/config');
  const missing = ['get', 'reload'].filter((n) => typeof config[n] !== 'function');
  if (missing.length) {
    report(false, "require('./config') has get() and reload()", `require('./config') returned ${show(config)}`);
    return null;
  }
  return config;
}

const scenarios = {
  // Load does not catch: a config.js that cannot load shows node's own error.
  load() {
    require('./app/config');
    report(true, "require('./config') loads", 'it loads');
  },

  exports() {
    if (api()) report(true, "require('./config') has get() and reload()", 'it has both');
  },

  get() {
    deploy(JSON.stringify(first));
    const config = api();
    if (config) same('get()', first, config.get());
  },

  reload() {
    deploy(JSON.stringify(first));
    const config = api();
    if (!config) return;
    config.get();
    deploy(JSON.stringify(second));
    try {
      config.reload();
    } catch (err) {
      return report(false, 'reload() reads the new config.json', `reload() threw ${describeError(err)}`);
    }
    same('get() after config.json changed and reload() ran', second, config.get());
  },

  // A module that required config before the reload, and another that
  // requires it after, must both see the new settings.
  shared() {
    deploy(JSON.stringify(first));
    const early = api();
    if (!early) return;
    early.get();
    deploy(JSON.stringify(second));
    try {
      require('./app/config').reload();
    } catch (err) {
      return report(false, 'reload() reads the new config.json', `reload() threw ${describeError(err)}`);
    }
    const late = require('./app/config');
    same('port seen by code that required config before the reload, and after it',
      [9090, 9090], [early.get()?.port, late.get()?.port]);
  },

  broken() {
    deploy(JSON.stringify(first));
    const config = api();
    if (!config) return;
    config.get();
    deploy('{ "port": 9090, "greeting": ');
    let threw = false;
    try {
      config.reload();
    } catch {
      threw = true;
    }
    let now;
    try {
      now = config.get();
    } catch (err) {
      now = `get() threw ${describeError(err)}`;
    }
    same('with a broken config.json: did reload() throw, and what get() returns', [true, first], [threw, now]);
  },
};

scenarios[process.argv[2]]();
