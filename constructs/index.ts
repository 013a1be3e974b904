// Core: names shared between constructs, resources every layer uses, providers and state.
export * from './custom-resource';
export * from './namespace';
export * from './operator-release';
export * from './site-providers';
export * from './state-backend';
// Domains.
export * from './gpu';
export * from './fabric';
export * from './storage';
export * from './scheduling';
export * from './acceptance';
export * from './tenancy';
export * from './observability';
export * from './inference';
export * from './policies';
