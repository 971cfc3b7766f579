/**
 * kill -9 at random points of an apply with the local backend: see test/helpers/crash.ts (the same test
 * runs for the pg backend in crash-pg.test.ts). BACKFLOW_CRASH_ROUNDS=50 runs the full count.
 */
import { describeCrashConvergence } from '../helpers/crash';

describeCrashConvergence({ backend: 'local', kills: 15 });
