/** The machine and the versions a run measured. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { repoPath } from './paths.js';
import { openFileLimit } from './proc.js';
import { pinningAvailable } from './processes.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  npm: string;
  openFiles: { soft: number; hard: number };
  pinned: boolean;
  loadAverageAtStart: string;
  packages: Record<string, string>;
  gitCommit: string;
  gitDirty: boolean;
}

const PACKAGES = [
  'graphql',
  'graphql-yoga',
  'graphql-ws',
  'ws',
  '@pothos/core',
  '@fal-ai/client',
  'better-sqlite3',
  'kysely',
  'pino',
  'autocannon',
  'tsx',
  'typescript',
];

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(repoPath(`node_modules/${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(pin: boolean): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1]!.trim();
  } catch {
    // keep os.cpus()
  }
  const flags = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8').includes(' avx512f') ? ' (AVX-512)' : '';
    } catch {
      return '';
    }
  })();
  return {
    cpuModel: `${cpuModel}${flags}`,
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    npm: run('npm', ['--version']).split('\n').at(-1) ?? 'unknown',
    openFiles: openFileLimit(),
    pinned: pin && pinningAvailable(),
    loadAverageAtStart: (() => {
      try {
        return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      } catch {
        return 'unknown';
      }
    })(),
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(name)])),
    // BENCH_GATEWAY_COMMIT names the commit when the bench runs on an exported tree (git archive).
    gitCommit: process.env.BENCH_GATEWAY_COMMIT ?? run('git', ['-C', repoPath('.'), 'rev-parse', '--short', 'HEAD']),
    gitDirty: process.env.BENCH_GATEWAY_COMMIT ? false : run('git', ['-C', repoPath('.'), 'status', '--porcelain', '--', 'src']) !== '',
  };
}

export interface CpuCounters {
  total: number;
  idle: number;
  steal: number;
}

/** System-wide CPU counters from /proc/stat (all CPUs). */
export function cpuCounters(): CpuCounters {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, idle: (f[3] ?? 0) + (f[4] ?? 0), steal: f[7] ?? 0 };
  } catch {
    return { total: Number.NaN, idle: Number.NaN, steal: Number.NaN };
  }
}

export interface NoiseFigures {
  /** Share of CPU time the hypervisor gave to others over the run. */
  stealPercent: number;
  /** Share of CPU time busy over the run (the bench's own processes included). */
  busyPercent: number;
  loadAverageAtEnd: string;
}

export function noiseSince(start: CpuCounters): NoiseFigures {
  const end = cpuCounters();
  const total = end.total - start.total;
  return {
    stealPercent: total > 0 ? ((end.steal - start.steal) / total) * 100 : Number.NaN,
    busyPercent: total > 0 ? ((total - (end.idle - start.idle)) / total) * 100 : Number.NaN,
    loadAverageAtEnd: (() => {
      try {
        return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      } catch {
        return 'unknown';
      }
    })(),
  };
}
