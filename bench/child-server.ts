import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What the benchmarks share: a server process of their own, spoken to over IPC, and a results pair
 * (JSON for everything, Markdown for reading).
 */

export interface ChildServer {
  address: string;
  pid: number;
  /** Sends one command and waits for its answer (an `error` answer rejects). */
  send<T = unknown>(command: { type: string } & Record<string, unknown>): Promise<T>;
}

/** Forks `script` under tsx and waits for it to say where it listens (its message with id 0). */
export async function forkServer(script: string, env: NodeJS.ProcessEnv): Promise<ChildServer> {
  const child = fork(script, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve: (reply: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id: number; reply?: unknown; error?: string }) => {
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`server: ${message.error}`));
    else waiter?.resolve(message.reply);
  });
  child.on('exit', (code) => {
    for (const { reject } of waiting.values()) reject(new Error(`the server exited (${code})`));
  });
  const ready = (await new Promise<unknown>((resolve, reject) => waiting.set(0, { resolve, reject }))) as { address: string; pid: number };
  let next = 1;
  return {
    ...ready,
    send: <T>(command: { type: string } & Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (reply: unknown) => void, reject });
        child.send({ id, ...command });
      }),
  };
}

/** Writes `<stem>.json` and `<stem>.md` into `dir`; answers the JSON file's path. */
export function writeResults<R>(dir: string, stem: string, results: R, markdown: (results: R) => string): string {
  const file = path.join(dir, `${stem}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(file.replace(/\.json$/, '.md'), markdown(results));
  return file;
}
