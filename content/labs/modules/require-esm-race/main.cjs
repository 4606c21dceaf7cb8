function tryRequire(when) {
  try {
    const clock = require('./clock.mjs');
    console.log(`require() ${when}: worked, now() = ${clock.now()}`);
  } catch (err) {
    console.log(`require() ${when}: threw`);
  }
}

const pending = import('./clock.mjs'); // starts loading clock.mjs asynchronously
tryRequire('during the pending import()'); // the same module, still loading
pending.then(() => tryRequire('after import() settled'));
