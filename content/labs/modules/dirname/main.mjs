import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

console.log('typeof __dirname in ESM:', typeof __dirname);
console.log('typeof import.meta.dirname:', typeof import.meta.dirname);
const fromUrl = path.dirname(fileURLToPath(import.meta.url));
console.log('import.meta.dirname matches the URL:', import.meta.dirname === fromUrl);

// The old recipe gives a URL object, not a path string.
const here = new URL('.', import.meta.url);
console.log("new URL('.', import.meta.url) is a", here.constructor.name, 'with protocol', here.protocol);
console.log('fileURLToPath turns it into the path:', fileURLToPath(here) === fromUrl + path.sep);

const require = createRequire(import.meta.url);
console.log(require('./where.cjs'));
