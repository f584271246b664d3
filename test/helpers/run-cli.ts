// Runs the CLI from TypeScript source, for tests that need a real separate process
// (`node --import tsx test/helpers/run-cli.ts <command> [flags]`).
import { runProcess } from '../../src/cli/run-process.js';

await runProcess(process.argv.slice(2));
