/**
 * Where a CPU profile of the server spends its time: self time grouped by where the code lives
 * (a module of ours, a platform part, a package) and the heaviest functions. Native frames are
 * set apart: V8's sampler ticks on wall-clock time, so a process that waits for a core inside a
 * system call (a loaded machine) piles samples on `writev` that cost no CPU.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  seconds: number;
  busyShare: number;
  /** Of the busy samples, those in native code and system calls (not broken down: see perf for CPU there). */
  nativeShare: number;
  byPlace: { place: string; share: number }[];
  topFunctions: { name: string; place: string; share: number }[];
}

/** Where a script lives, in words: `src/modules/checkout`, `pg`, `fastify`, `node`. */
export function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (http, streams, timers…)';
  const modules = /\/src\/modules\/([^/]+)\//.exec(url);
  if (modules) return `src/modules/${modules[1]}`;
  const platform = /\/src\/platform\/([^/.]+)/.exec(url);
  if (platform) return `src/platform/${platform[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/g;
  let last: string | undefined;
  for (let match = pkg.exec(url); match; match = pkg.exec(url)) last = match[1];
  if (last) return last;
  if (url.includes('/src/')) return 'src (other)';
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}

export function summariseProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = profile.endTime - profile.startTime;
  let idle = 0;
  let native = 0;
  const places = new Map<string, number>();
  const functions = new Map<string, { place: string; micros: number }>();
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id)!;
    if (callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const place = placeOf(callFrame.url, callFrame.functionName);
    if (place === '(native)') {
      native += micros;
      continue;
    }
    places.set(place, (places.get(place) ?? 0) + micros);
    const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url ? `${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}` : ''}`.trim();
    const entry = functions.get(name) ?? { place, micros: 0 };
    entry.micros += micros;
    functions.set(name, entry);
  }
  const busy = total - idle;
  const javascript = busy - native;
  const share = (micros: number) => Math.round((micros / javascript) * 1000) / 10;
  return {
    seconds: Math.round(total / 1e5) / 10,
    busyShare: Math.round((busy / total) * 1000) / 10,
    nativeShare: Math.round((native / busy) * 1000) / 10,
    byPlace: [...places.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([place, micros]) => ({ place, share: share(micros) })),
    topFunctions: [...functions.entries()].sort((a, b) => b[1].micros - a[1].micros).slice(0, 20).map(([name, { place, micros }]) => ({ name, place, share: share(micros) })),
  };
}
