// Unit tests of the CDK app: fine-grained Template assertions, nag, and an offline `cdk synth`.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  testTimeout: 120000,
};
