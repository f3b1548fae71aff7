#!/usr/bin/env node
// The `segments` command line; the bundle is built by `npm ci` (prepare) or `npm run bundle`.
import '../out/cli.cjs';
