/**
 * The package root: the cdktf construct library (also importable as `backflow/constructs`). The CLI is
 * `bin/backflow.js`.
 */
export * from './constructs';
