import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema/index.js';

const typeConfig = { enumsAsTypes: true, useTypeImports: true, scalars: { DateTime: 'string', File: 'File' } };

/**
 * Prints the Pothos schema to schema.graphql and generates the typed documents the tests use
 * and those the studio page uses (as plain strings, so the page needs no GraphQL runtime).
 */
const config: CodegenConfig = {
  schema: printSchema(schema),
  emitLegacyCommonJSImports: false,
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { sort: false } },
    'test/gql/': {
      documents: ['test/documents/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typeConfig,
    },
    'web/src/gql/': {
      documents: ['web/src/documents/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { ...typeConfig, documentMode: 'string' },
    },
  },
};

export default config;
