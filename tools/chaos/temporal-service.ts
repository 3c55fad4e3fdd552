import path from 'node:path';
import { startTemporalDevServer, type TemporalDevServer } from '../devenv/temporal-server';

/**
 * The campaign's Temporal dev server: state in a SQLite file, so it can be killed (SIGKILL, no
 * clean shutdown) and started again on the same file and port, and every client and worker
 * reconnects to the same address and finds every workflow where it was.
 */
export class RestartableTemporal {
  private server?: TemporalDevServer;
  private port?: number;
  private incarnation = 0;
  restarts = 0;

  constructor(private readonly runDir: string) {}

  get address(): string {
    if (this.port === undefined) throw new Error('the Temporal dev server has not been started');
    return `127.0.0.1:${this.port}`;
  }

  get dbFilename(): string {
    return path.join(this.runDir, 'temporal.db');
  }

  async start(): Promise<void> {
    this.incarnation += 1;
    this.server = await startTemporalDevServer({
      dbFilename: this.dbFilename,
      port: this.port,
      logFile: path.join(this.runDir, 'logs', `temporal-${this.incarnation}.log`),
    });
    this.port = Number(this.server.address.split(':').pop());
  }

  /** Kills the server without a clean shutdown, waits `downMs`, starts it again on the same file and port. */
  async crashAndRestart(downMs: number): Promise<void> {
    await this.server?.crash();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
    this.restarts += 1;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
