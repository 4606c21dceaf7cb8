import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

console.log('typeof __dirname in ESM:', typeof __dirname);
console.log('typeof import.meta.dirname:', typeof import.meta.dirname);
const fromUrl = path.dirname(fileURLToPath(import.meta.url));
console.log('import.meta.dirname matches the URL:', import.meta.dirname === fromUrl);

const require = createRequire(import.meta.url);
console.log(require('./where.cjs'));
