/**
 * The app's layers, bottom up; a file imports only from its own layer or a lower one (type-only
 * imports count too). `npm run lint` runs this; test/architecture/layers.test.ts proves it fails.
 *
 * 1 leaves      policy, crypto, render, config, logging, http, errors, metrics, stop-signals, start-line
 * 2 domain      the request, legs, terms, claims, statuses: types and pure functions
 * 3 adapters    audit, github, store (store may use audit), chat; adapters do not use each other
 * 4 views       notify: renders only
 * 5 service     use cases, the ledger, effects
 * 6 entries     api, webhooks, web, cli, setup
 * 7 the app     index.ts, main.ts
 */
const LEAVES =
  '^app/(?:(?:policy|crypto|render|config|logging|http)/|(?:errors|metrics|metrics-catalogue|stop-signals|start-line)[.]ts$)';
const DOMAIN = '^app/domain/';
const ADAPTERS = '^app/(?:audit|github|store|chat)/';
const VIEWS = '^app/notify/';
const SERVICE = '^app/service/';
const ENTRIES = '^app/(?:api|webhooks|web|cli|setup)/';
const TOP = '^app/(?:index|main)[.]ts$';

const above = (...layers) => ({ path: layers });
const upward = (name, from, ...higher) => ({
  name,
  severity: 'error',
  comment: `${name}: imports a module from a higher layer (see the layers at the top of .dependency-cruiser.cjs)`,
  from: { path: from },
  to: above(...higher),
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other, directly or around a circle: move what both need lower.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file or package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'app-stays-in-app',
      severity: 'error',
      comment: 'The app imports only its own modules, packages, Node built-ins and the published schemas.',
      from: { path: '^app/' },
      to: {
        dependencyTypesNot: ['core'],
        pathNot: ['^app/', '^node_modules/', '^(?:policies|policy-tests)[.]schema[.]json$'],
      },
    },
    {
      name: 'every-module-has-a-layer',
      severity: 'error',
      comment: 'A module of app/ outside every layer: add it to a layer in .dependency-cruiser.cjs.',
      from: { path: '^app/' },
      to: { path: '^app/', pathNot: [LEAVES, DOMAIN, ADAPTERS, VIEWS, SERVICE, ENTRIES, TOP] },
    },
    upward('leaves-stay-leaves', LEAVES, DOMAIN, ADAPTERS, VIEWS, SERVICE, ENTRIES, TOP),
    upward('domain-below-adapters', DOMAIN, ADAPTERS, VIEWS, SERVICE, ENTRIES, TOP),
    upward('adapters-below-views', ADAPTERS, VIEWS, SERVICE, ENTRIES, TOP),
    upward('views-below-service', VIEWS, SERVICE, ENTRIES, TOP),
    upward('service-below-entries', SERVICE, ENTRIES, TOP),
    upward('entries-below-app', ENTRIES, TOP),
    {
      name: 'adapters-apart',
      severity: 'error',
      comment: 'An adapter does not use another adapter (only store uses audit).',
      from: { path: '^app/(audit|github|chat)/' },
      to: { path: ADAPTERS, pathNot: '^app/$1/' },
    },
    {
      name: 'store-uses-only-audit',
      severity: 'error',
      comment: 'An adapter does not use another adapter (only store uses audit).',
      from: { path: '^app/store/' },
      to: { path: '^app/(?:github|chat)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: '^node_modules/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    cache: false,
  },
};
