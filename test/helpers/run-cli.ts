// Runs the CLI from TypeScript source, for tests that need a real separate process
// (`node --import tsx test/helpers/run-cli.ts <command> [flags]`).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
