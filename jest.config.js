/** Jest runs TypeScript through ts-jest (CommonJS, TypeScript 5.9). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  // The plugin SDK as a third-party plugin imports it, served from the sources.
  moduleNameMapper: {
    '^bullseye/plugin$': '<rootDir>/src/plugin-sdk/index.ts',
    '^bullseye/plugin/testing$': '<rootDir>/src/plugin-sdk/testing.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  maxWorkers: 1,
};
