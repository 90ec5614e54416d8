/** Writes BENCHMARKS.md and bench-results.json from a run. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROW_IDS, type BenchMode, type RowId } from '../config.js';
import type { ProfileSection } from '../rows/profile.js';
import type { MachineInfo, NoiseFigures } from './machine.js';
import { repoPath } from './paths.js';
import { fmt, type RowResult } from './row.js';

export interface BenchReport {
  mode: BenchMode;
  /** How the gateway ran: `node dist/main.js` or from source through tsx. */
  gatewayEntry: 'dist' | 'source';
  startedAt: string;
  elapsedMs: number;
  machine: MachineInfo;
  noise: NoiseFigures;
  rows: RowResult[];
  profiles: ProfileSection[];
}

const NOTES_FILE = repoPath('bench/notes.md');

/** Hand-written analysis per row (`## S2` … sections of bench/notes.md), shown under missed rows. */
export function readNotes(file = NOTES_FILE): Partial<Record<RowId, string>> {
  if (!existsSync(file)) return {};
  const notes: Partial<Record<RowId, string>> = {};
  let current: RowId | undefined;
  const lines: string[] = [];
  const flush = () => {
    if (current) notes[current] = lines.join('\n').trim();
    lines.length = 0;
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const heading = new RegExp(`^## (${ROW_IDS.join('|')})\\b`).exec(line);
    if (heading) {
      flush();
      current = heading[1] as RowId;
    } else if (current) lines.push(line);
  }
  flush();
  return notes;
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function machineSection(m: MachineInfo, entry: BenchReport['gatewayEntry'], noise: NoiseFigures): string[] {
  return [
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    `| CPU | ${m.cpuModel} |`,
    `| cores | ${m.cores} |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| kernel | ${m.kernel} |`,
    `| Node / npm | ${m.node} / ${m.npm} |`,
    `| open files (soft / hard) | ${fmt(m.openFiles.soft)} / ${fmt(m.openFiles.hard)} |`,
    `| pinning | ${m.pinned ? 'server on CPU0, load generators (autocannon, WS clients, simulator) on CPU1, with taskset' : 'none (taskset missing or disabled): figures are not comparable with pinned runs'} |`,
    `| load average at start / end | ${m.loadAverageAtStart} / ${noise.loadAverageAtEnd} (other users' processes share this machine) |`,
    `| CPU over the run | ${fmt(noise.busyPercent)}% busy (the bench included), ${fmt(noise.stealPercent, 1)}% stolen by the hypervisor |`,
    `| gateway | commit ${m.gitCommit}${m.gitDirty ? ' with uncommitted changes under src/' : ''}, ${entry === 'dist' ? 'compiled: `node --max-semi-space-size=64 --min-semi-space-size=64 dist/main.js`, as `npm start` runs it' : 'from source: `node --conditions=@uni-animate/source --import tsx src/main.ts`'} |`,
    '',
    `Versions (node_modules): ${Object.entries(m.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    '',
  ];
}

/** How fast this machine was, by baseline B, beside the figure the performance reference measured. */
function speedNote(rows: RowResult[]): string[] {
  const b = (
    rows.find((row) => row.id === 'H1' || row.id === 'H2' || row.id === 'R1')?.raw as
      { b?: { median?: { rps: number; serverCpuUsPerRequest: number } } } | undefined
  )?.b?.median;
  if (!b) return [];
  return [
    `Baseline B in this run: ${fmt(b.rps)} req/s at ${fmt(b.serverCpuUsPerRequest)} µs of CPU per request; the performance reference measured 24,683 req/s at 39–40 µs on a machine of the same kind. Absolute figures therefore differ between runs and machines by several times; the ratios are what this report compares.`,
    '',
  ];
}

function resultsTable(rows: RowResult[]): string[] {
  const lines = ['| id | what | figure | baseline (same run) | ratio | target | result |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    if (row.checks.length === 0) {
      const why = row.status === 'ERROR' ? `error: ${(row.error ?? '').split('\n')[0]}` : (row.details[0] ?? '');
      lines.push(`| ${row.id} | ${escapeCell(row.what)} | — | — | — | — | ${row.status}: ${escapeCell(why.slice(0, 200))} |`);
      continue;
    }
    row.checks.forEach((check, i) => {
      lines.push(
        `| ${i === 0 ? row.id : ''} | ${i === 0 ? escapeCell(row.what) : ''} | ${escapeCell(`${check.label}: ${check.figure}`)} | ${escapeCell(check.baseline)} | ${escapeCell(check.ratio)} | ${escapeCell(check.target)} | ${check.pass ? 'PASS' : '**MISS**'} |`,
      );
    });
  }
  return lines;
}

/** The eight largest areas of a profile, e.g. "graphql 31.0%, ws 12.5%". */
function areaShares(areas: { area: string; percent: number }[]): string {
  return areas
    .slice(0, 8)
    .map((a) => `${a.area} ${fmt(a.percent, 1)}%`)
    .join(', ');
}

function profileLines(section: ProfileSection): string[] {
  const lines = [`#### Profile \`${section.name}\`: ${section.what}`, ''];
  if (section.error) return [...lines, `Profile failed: ${section.error}`, ''];
  if (section.cpu) {
    const cpu = section.cpu;
    lines.push(
      `CPU: ${fmt(cpu.busyMs)} ms busy of ${fmt(cpu.totalMs)} ms sampled (${fmt((cpu.busyMs / Math.max(1, cpu.totalMs)) * 100)}% of one core). By area: ${areaShares(cpu.byArea)}. Inclusive (time with that package on the stack): ${areaShares(cpu.inclusiveByArea)}.`,
      '',
      '| self time | % of busy | function | where |',
      '| --- | --- | --- | --- |',
      ...cpu.top
        .slice(0, 12)
        .map((e) => `| ${fmt(e.ms)} ms | ${fmt(e.percent, 1)}% | \`${escapeCell(e.name)}\` | ${escapeCell(e.where)} |`),
      '',
    );
  }
  if (section.heap) {
    const heap = section.heap;
    lines.push(
      `Live heap allocated while subscribing, after a forced GC (sampling heap profiler): ${fmt(heap.totalBytes / 1048576, 1)} MiB, ${fmt(heap.totalBytes / heap.subscriptions)} B per subscription. By area: ${areaShares(heap.byArea)}.`,
      '',
      '| live bytes per subscription | % | allocated in | where |',
      '| --- | --- | --- | --- |',
      ...heap.top
        .slice(0, 10)
        .map(
          (e) => `| ${fmt(e.bytes / heap.subscriptions)} B | ${fmt(e.percent, 1)}% | \`${escapeCell(e.name)}\` | ${escapeCell(e.where)} |`,
        ),
      '',
    );
  }
  return lines;
}

export function renderMarkdown(report: BenchReport, notes: Partial<Record<RowId, string>> = readNotes()): string {
  const passed = report.rows.filter((row) => row.status === 'PASS').length;
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (\`bench/run.ts\`, ${report.mode} mode) on ${report.startedAt}, in ${fmt(report.elapsedMs / 1000)} s. ${passed} of ${report.rows.length} rows met every target. Raw figures: \`bench-results.json\`.`,
    '',
    "Method (issue 7, `/work/shared/reference/performance.md` §5): every figure is a ratio to a baseline measured in the same run, because these machines are noisy. The server under test runs alone on CPU0; autocannon (50 connections, a separate process), the WebSocket clients (separate processes speaking `graphql-transport-ws` on bare `ws`) and the fal simulator (its own process) run on CPU1. HTTP rows: warm-up, then measured runs; server CPU per request from `/proc/<pid>/stat`; medians of the runs. P1 (20 connections): its baseline is fal's `@fal-ai/server-proxy` in Express, pinned like the gateway, its runs alternating with the gateway's on the same simulator. Memory: RSS from `/proc` after two forced GCs (`--expose-gc` and the `bench/gc-on-signal.cjs` preload, on SIGUSR2). Fan-out latency: receive time in the client − the moment the upstream change was emitted (the simulator step, or W's broadcast), both on CLOCK_MONOTONIC. Every client authenticates (`Authorization: Bearer …`, `connection_init { authorization }`). B = bare yoga `{ hello }` with `maxRequestBodySize: false`; W = bare `ws` sending one pre-serialised string to every socket.",
    '',
    ...machineSection(report.machine, report.gatewayEntry, report.noise),
    ...speedNote(report.rows),
    '## Results',
    '',
    ...resultsTable(report.rows),
    '',
  ];
  for (const id of ROW_IDS) {
    const row = report.rows.find((r) => r.id === id);
    if (!row) continue;
    lines.push(`### ${row.id}: ${row.what} (${row.status})`, '');
    for (const detail of row.details) lines.push(`- ${detail}`);
    if (row.error) lines.push('', '```', row.error.slice(0, 2_000), '```');
    if (row.status === 'MISS' || row.status === 'ERROR') {
      const missed = row.checks.filter((check) => !check.pass);
      if (missed.length) {
        lines.push(
          '',
          `**Gap:** ${missed.map((c) => `${c.label} ${c.figure} against a target of ${c.target}${c.baseline !== '—' ? ` (baseline ${c.baseline}, ratio ${c.ratio})` : ''}`).join('; ')}.`,
        );
      }
      const note = notes[row.id];
      if (note) lines.push('', `**Cause** (analysis of the profiles below, written by hand in \`bench/notes.md\`):`, '', note);
      for (const section of report.profiles.filter((p) => p.rows.includes(row.id))) lines.push('', ...profileLines(section));
    }
    lines.push('');
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

export function writeReport(report: BenchReport, outDir: string): { markdown: string; json: string } {
  const markdown = join(outDir, 'BENCHMARKS.md');
  const json = join(outDir, 'bench-results.json');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(markdown, renderMarkdown(report));
  writeFileSync(
    json,
    `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`,
  );
  return { markdown, json };
}
