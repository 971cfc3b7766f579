#!/usr/bin/env node
'use strict';
/**
 * The floor of a plan, as a process of its own: read and JSON.parse every config file of a folder
 * (`backflow.json`, `*.backflow.json`) and its state file (`.backflow/state.json`), nothing else. What any
 * plan must pay; bench/plan-scale.js prints Backflow's plan time over this.
 */
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(process.argv[2] || '.');
const files = fs
  .readdirSync(dir)
  .filter((f) => f === 'backflow.json' || f.endsWith('.backflow.json'))
  .map((f) => path.join(dir, f));
const state = path.join(dir, '.backflow', 'state.json');
if (fs.existsSync(state)) files.push(state);
let keys = 0;
for (const f of files) keys += Object.keys(JSON.parse(fs.readFileSync(f, 'utf8'))).length;
process.stdout.write(`${files.length} files, ${keys} top-level keys\n`);
