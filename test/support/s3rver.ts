import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running s3rver (see s3rver-server.ts) on 127.0.0.1, storing into a fresh temporary folder. */
export interface RunningS3rver {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const serverScript = fileURLToPath(new URL('./s3rver-server.ts', import.meta.url));

export async function startS3rver(): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'prognos-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', serverScript, directory], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /listening (\d+)/.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      void exited.then(([code]) => reject(new Error(`s3rver exited (${String(code)}) before listening: ${stderr}`)));
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end();
          await exited;
        }
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
