// `npm run test:builds` runs this before building: every real build the suite needs must be there, else one message
// naming each missing binary and how to make it, and exit 1 (a missing build fails the suite; it is never skipped).
import { missingBuilds, missingBuildsMessage } from '../harness/builds.ts';

const missing = missingBuilds();
if (missing.length > 0) {
  process.stderr.write(`${missingBuildsMessage(missing)}\n`);
  process.exit(1);
}
