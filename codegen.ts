import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './src/schema/index.js';

const persistedDocuments = { hashAlgorithm: 'sha256' } as const;
const typeConfig = { enumsAsTypes: true, useTypeImports: true, scalars: { DateTime: 'string', File: 'File' } };

/**
 * Prints the Pothos schema to schema.graphql and generates the typed documents the tests use
 * and those the studio page uses (as plain strings, so the page needs no GraphQL runtime).
 * Each output folder also gets persisted-documents.json, the manifest of its trusted documents
 * (sha256 id → document) that the gateway loads (PERSISTED_OPERATIONS_MANIFESTS); each
 * generated document carries its id (`__meta__.hash`), which the page sends instead of the text.
 */
const config: CodegenConfig = {
  schema: printSchema(schema),
  emitLegacyCommonJSImports: false,
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { sort: false } },
    'test/gql/': {
      documents: ['test/documents/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments },
      config: typeConfig,
    },
    'web/src/gql/': {
      documents: ['web/src/documents/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments },
      config: { ...typeConfig, documentMode: 'string' },
    },
  },
};

export default config;
