#!/usr/bin/env node
'use strict';
// Runs the CLI from the TypeScript sources in a checkout, or from the build when installed.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
if (fs.existsSync(source)) {
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
  require(source);
} else {
  require(path.join(root, 'dist', 'src', 'cli', 'main.js'));
}
