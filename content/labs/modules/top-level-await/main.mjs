import { createRequire } from 'node:module';

const value = await new Promise((resolve) => setTimeout(() => resolve(42), 10));
console.log('ESM: top-level await gave', value);

const require = createRequire(import.meta.url);
try {
  require('./script.cjs');
} catch (err) {
  console.log(`CommonJS: ${err.name}: ${err.message}`);
}
