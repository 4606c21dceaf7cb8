async function load(file) {
  try {
    const { kind } = await import(file);
    console.log(`${file} ran as ${kind}`);
  } catch (err) {
    console.log(`${file}: ${err.name}: ${err.message}`);
  }
}

(async () => {
  await load('./lib/esm.js'); // governed by ./package.json, which has no "type"
  await load('./legacy/esm.js'); // governed by ./legacy/package.json: "type": "commonjs"
})();
