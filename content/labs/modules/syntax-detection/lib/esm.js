export const kind = typeof require === 'undefined' ? 'ESM' : 'CommonJS';
