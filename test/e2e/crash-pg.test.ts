/**
 * kill -9 at random points of an apply with the pg backend: see test/helpers/crash.ts. No force-unlock is
 * ever needed: the advisory lock dies with the killed process's session. BACKFLOW_CRASH_ROUNDS=50 runs the
 * issue's full count.
 */
import { describeCrashConvergence } from '../helpers/crash';

describeCrashConvergence({ backend: 'pg', kills: 12 });
