'use strict';
// emitter.once removes each listener after it fires, so nothing leaks.
function once(emitter, name, { signal } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      const err = new Error('The operation was aborted', { cause: signal.reason });
      err.name = 'AbortError';
      err.code = 'ABORT_ERR';
      reject(err);
      return;
    }
    emitter.once(name, (...args) => resolve(args));
    if (name !== 'error') emitter.once('error', reject);
    signal?.addEventListener('abort', () => {
      const err = new Error('The operation was aborted', { cause: signal.reason });
      err.name = 'AbortError';
      err.code = 'ABORT_ERR';
      reject(err);
    }, { once: true });
  });
}

module.exports = { once };
