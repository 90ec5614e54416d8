import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema/index.js';

/** Prints the Pothos schema to schema.graphql and generates the typed documents the tests use. */
const config: CodegenConfig = {
  schema: printSchema(schema),
  documents: ['test/documents/*.graphql'],
  emitLegacyCommonJSImports: false,
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { sort: false } },
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { enumsAsTypes: true, useTypeImports: true, scalars: { DateTime: 'string', File: 'File' } },
    },
  },
};

export default config;
