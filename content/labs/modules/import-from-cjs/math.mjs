console.log('math.mjs: evaluated');
export function add(a, b) {
  return a + b;
}
