// Runs the code-cache trainer (scripts/train-cli.ts) for scripts/build.mjs, tied to this process: its standard input
// is a pipe that only this process holds, so that when the build ends in any way (SIGKILL included) the trainer
// sees the pipe's end and stops, and its redis-server with it (a watchdog there kills the server if the trainer
// itself is killed). test/repo/build-training.test.ts kills both.
import { spawn } from 'node:child_process';

/** `node ARGS` with the trainer's pipe; resolves when it exits 0, rejects otherwise. */
export function runTraining(args, { nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], {
      stdio: ['pipe', 'ignore', 'inherit'],
      env: { ...process.env, REDFORT_TRAIN_PARENT_PIPE: '1' },
    });
    // Never written and never ended here: the pipe's end is this process's end.
    child.stdin.on('error', () => {});
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      child.stdin.destroy();
      if (code === 0) resolve();
      else reject(new Error(`training the code cache failed: ${signal ?? `exit ${code}`} (node ${args.join(' ')})`));
    });
  });
}
