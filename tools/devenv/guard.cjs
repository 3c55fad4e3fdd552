'use strict';
// Runs a dev service as a child and kills it when the process that asked for it dies,
// even by SIGKILL, so an interrupted test run or demo never leaves a server behind.
// Usage: node guard.cjs <watched-pid> <command> [args...]
const { spawn } = require('node:child_process');

const [watchedPid, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stop(signal) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }
}

const watch = setInterval(() => {
  if (!alive(Number(watchedPid))) stop('SIGTERM');
}, 500);

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop('SIGTERM'));
// SIGUSR2 asks for a crash, not a shutdown: the service is killed without a chance to clean up
// (the crash campaign uses it to kill the Temporal dev server mid-run).
process.on('SIGUSR2', () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
child.on('exit', (code, signal) => {
  clearInterval(watch);
  process.exit(code ?? (signal ? 1 : 0));
});
child.on('error', (err) => {
  process.stderr.write(`guard: cannot start ${command}: ${err.message}\n`);
  process.exit(127);
});
