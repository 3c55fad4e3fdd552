import fs from 'node:fs';
import net from 'node:net';

/** Where the kernel hands out ports to `bind(0)`; Linux's default when it cannot be read. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high && low > 1024 && high > low) return [low, high];
  } catch {
    // not Linux, or no /proc: assume the default
  }
  return [32768, 60999];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port for a service to listen on; never assume well-known ports are free.
 *
 * It is drawn from below the kernel's ephemeral range, not from `bind(0)`: a service started on a
 * port chosen by `bind(0)` races every other process that binds port 0 in between — the Temporal
 * dev server itself picks its internal ports that way, and once took the HTTP port chosen for it
 * ("address already in use"). Ports below the range are never handed out by `bind(0)`.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const floor = Math.max(10_000, low - 12_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free loopback port found between ${floor} and ${low}`);
}
