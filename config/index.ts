export * from './catalogue';
export * from './cidr';
export * from './loader';
export * from './model';
export * from './rails';
export * from './schema';
export { formatProblem, type Problem } from './source';
