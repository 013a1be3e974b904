export * from './acceptance-checks';
