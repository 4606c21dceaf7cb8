try {
  await import('./p.mjs');
} catch (err) {
  console.log(`${err.name}: ${err.message}`);
}
