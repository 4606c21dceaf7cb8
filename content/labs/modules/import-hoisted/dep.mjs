console.log('dep: evaluated');
export const greeting = 'hello';
