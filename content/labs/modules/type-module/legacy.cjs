module.exports = {
  describe: () => 'legacy.cjs is CommonJS: typeof require = ' + typeof require,
};
