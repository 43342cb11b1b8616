export * from './contract.js';
export * from './results.js';
export * from './routing.js';
export * from './rank.js';
export * from './feeds.js';
export * from './decode.js';
export * from './candidates.js';
export * from './items.js';
