import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM builds; Node (and every dependency) loads the CJS one, so
    // the tests must too, or `instanceof GraphQLError` fails across the two copies.
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql') },
      // The simulator package's sources, as `--conditions=@uni-animate/source` gives the processes the tests spawn.
      {
        find: /^@uni-animate\/fal-simulator$/,
        replacement: fileURLToPath(new URL('./packages/fal-simulator/src/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
