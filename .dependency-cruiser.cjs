// @ts-check
// Import rules for src/ (`npm run lint:imports`, i.e. `depcruise src --config .dependency-cruiser.cjs`).
//
// Target layout of src/ (dependencies flow GraphQL -> application -> ports <- adapters; every layer
// may use the domain, which uses nothing):
//
//   main.ts, gateway.ts         composition root: may import anything in src
//   config.ts, server.ts, logger.ts
//   domain/                     leaf: nothing from src outside domain/ (node: builtins are fine)
//   ports/                      interfaces: domain/ (and other ports)
//   animations/                 the application: domain/, ports/, itself
//   adapters/ (and metrics)     domain/, ports/, itself; not even logger.ts (they get a Log port)
//   schema/, resolvers/         domain/, ports/, animations/, each other
//   http/                       domain/, ports/, animations/, schema/, auth/, logger.ts, config.ts (types);
//                               resolvers/ for types only
//   auth/                       domain/, ports/, config.ts
//
// Each layer rule is an allow-list: `to.path: '^src/'` with the allowed folders in `to.pathNot`, so a
// new folder in src/ is forbidden to a layer until it is added here. Imports of npm packages and
// node: builtins are not restricted by the layer rules. Paths are relative to the repository root.

/** A folder of src/, or a file of src/ without its extension, as the start of a path regular expression. */
const dir = (name) => `^src/${name}/`;
const file = (name) => `^src/${name}[.][cm]?[jt]s$`;

const DOMAIN = dir('domain');
const PORTS = dir('ports');
const APPLICATION = dir('animations');
// Metrics is an adapter, wherever it ends up (src/metrics.ts today, src/metrics/ or src/adapters/metrics/).
const ADAPTERS = [dir('adapters'), dir('metrics'), file('metrics')];
const GRAPHQL = [dir('schema'), dir('resolvers')];
const HTTP = dir('http');
const AUTH = dir('auth');
const RESOLVERS = dir('resolvers');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'This import closes a cycle. Break it: move the shared piece down a layer (domain/ or ports/) or invert the dependency.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-a-leaf',
      severity: 'error',
      comment: 'src/domain/ is the leaf everyone may use: it imports nothing from src/ outside src/domain/.',
      from: { path: DOMAIN },
      to: { path: '^src/', pathNot: [DOMAIN] },
    },
    {
      name: 'ports-import-domain-only',
      severity: 'error',
      comment: 'src/ports/ holds interfaces only: it may import src/domain/ (and other ports), nothing else in src/.',
      from: { path: PORTS },
      to: { path: '^src/', pathNot: [DOMAIN, PORTS] },
    },
    {
      name: 'application-not-adapters',
      severity: 'error',
      comment:
        'src/animations/ (the application) may import src/domain/, src/ports/ and itself only: never adapters, ' +
        'http, schema, resolvers, server, gateway, config or logger. It reaches the outside through ports.',
      from: { path: APPLICATION },
      to: { path: '^src/', pathNot: [DOMAIN, PORTS, APPLICATION] },
    },
    {
      name: 'adapters-not-application',
      severity: 'error',
      comment:
        'Adapters (src/adapters/, and metrics) may import src/domain/, src/ports/ and other adapters only: never ' +
        'src/animations/, http, schema, resolvers, config, or src/logger.ts (they are given a Log port).',
      from: { path: ADAPTERS },
      to: { path: '^src/', pathNot: [DOMAIN, PORTS, ...ADAPTERS] },
    },
    {
      name: 'graphql-not-adapters',
      severity: 'error',
      comment:
        'src/schema/ and src/resolvers/ may import src/domain/, src/ports/, src/animations/ and each other only: ' +
        'never adapters or http.',
      from: { path: GRAPHQL },
      to: { path: '^src/', pathNot: [DOMAIN, PORTS, APPLICATION, ...GRAPHQL] },
    },
    {
      name: 'http-not-adapters',
      severity: 'error',
      comment:
        'src/http/ may import src/domain/, src/ports/, src/animations/, src/schema/, src/auth/, src/logger.ts and ' +
        'src/config.ts (and src/resolvers/ for types: see http-resolvers-types-only); never adapters.',
      from: { path: HTTP },
      to: { path: '^src/', pathNot: [DOMAIN, PORTS, APPLICATION, dir('schema'), RESOLVERS, HTTP, AUTH, file('logger'), file('config')] },
    },
    {
      name: 'http-resolvers-types-only',
      severity: 'error',
      comment: 'src/http/ may import types from src/resolvers/ (e.g. the context type), never values: use `import type`.',
      from: { path: HTTP },
      to: { path: RESOLVERS, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'http-config-types-only',
      severity: 'error',
      comment: 'src/http/ gets its settings passed in; from src/config.ts it may import types only (`import type`).',
      from: { path: HTTP },
      to: { path: file('config'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'auth-imports-domain-ports-config',
      severity: 'error',
      comment: 'src/auth/ may import src/domain/, src/ports/ and src/config.ts only.',
      from: { path: AUTH },
      to: { path: '^src/', pathNot: [DOMAIN, PORTS, AUTH, file('config')] },
    },
    {
      name: 'no-simulator-or-bench-from-src',
      severity: 'error',
      comment:
        'Only src/gateway.ts (the sandbox start-up) may import the fal simulator. Nothing in src/ may import bench/. ' +
        'The simulator is matched by path (packages/fal-simulator/, src/simulator/ until it moves) and by package ' +
        'name: the workspace package resolves through its node_modules symlink to packages/fal-simulator/, and ' +
        'stays under its bare name when it cannot be resolved (e.g. not built).',
      from: { path: '^src/', pathNot: [file('gateway'), dir('simulator')] },
      to: {
        path: [
          '^packages/fal-simulator(/|$)',
          '(^|/)node_modules/@uni-animate/fal-simulator(/|$)',
          '^@uni-animate/fal-simulator(/|$)',
          '^src/simulator/',
          '^bench(/|$)',
        ],
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: "This module imports something that can't be resolved to a file: a typo, a missing file, or a package not installed.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment:
        "This module imports an npm package that isn't declared in package.json, so it is only there by accident " +
        '(hoisted from another package). Declare it in the dependencies of the package.json it belongs to.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // Count imports that only exist before compilation (`import type`, type-only re-exports) too,
    // and mark them 'type-only' (http-resolvers-types-only relies on that).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // '@uni-animate/source': the workspace packages' export condition for their TypeScript sources, so
      // `@uni-animate/fal-simulator` resolves to packages/fal-simulator/src/ without a build (lint runs before it).
      conditionNames: ['@uni-animate/source', 'import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
