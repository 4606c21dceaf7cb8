export const now = () => 'tick';
