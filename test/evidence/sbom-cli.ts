/** `npm run sbom`: prints the CycloneDX SBOM of a deployed device on stdout. */
import { makeSbom } from './sbom.js';

process.stdout.write(`${JSON.stringify(makeSbom(), null, 2)}\n`);
