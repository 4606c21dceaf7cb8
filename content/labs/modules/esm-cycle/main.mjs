try {
  await import('./a.mjs');
} catch (err) {
  console.log(`${err.name}: ${err.message}`);
}
